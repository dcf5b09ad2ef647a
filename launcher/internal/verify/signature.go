package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"io"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// Validation levels (FLAVOR_VALIDATION).
const (
	Strict  = "strict"
	Relaxed = "relaxed"
	None    = "none"
)

// ParseLevel maps FLAVOR_VALIDATION to a level: unset or empty is strict; otherwise exactly "strict",
// "relaxed" or "none". Anything else (other case, spaces, typos) is refused, so a mistyped downgrade
// fails closed instead of silently meaning something.
func ParseLevel(v string) (string, error) {
	switch v {
	case "", Strict:
		return Strict, nil
	case Relaxed, None:
		return v, nil
	}
	return "", errs.New(errs.Usage, "FLAVOR_VALIDATION=%q is not a validation level", v).
		WithHint("use strict (the default), relaxed or none, exactly in lower case; or unset it")
}

// CheckSignature verifies the Ed25519 signature over the signed metadata bytes with the embedded key.
func (p *Package) CheckSignature() error {
	sig := p.Index.Signature()
	if allZero(sig) {
		return errs.New(errs.SignatureMissing, "the package is not signed")
	}
	if !verifyEd25519(p.Index.PublicKey[:], p.Signed, sig) {
		return errs.New(errs.SignatureInvalid, "the package signature is invalid")
	}
	return nil
}

// CheckTrust refuses a package whose key is not in a non-empty trusted set.
func (p *Package) CheckTrust(trusted *TrustSet) error {
	if trusted.Empty() || trusted.Contains(p.Index.PublicKey[:]) {
		return nil
	}
	return errs.New(errs.UntrustedKey, "the package is signed by an untrusted key (sha256:%s)", Fingerprint(p.Index.PublicKey[:])).
		WithHint("add the key's fingerprint to FLAVOR_TRUSTED_KEYS if you trust its publisher")
}

// Authenticate applies the validation level: strict refuses any signature or trust failure,
// relaxed turns them into warnings, none skips them with a warning. It returns the warnings.
func (p *Package) Authenticate(level string, trusted *TrustSet) ([]string, error) {
	if level == None {
		return []string{"signature verification is disabled (FLAVOR_VALIDATION=none)"}, nil
	}
	err := p.CheckSignature()
	if err == nil {
		err = p.CheckTrust(trusted)
	}
	if err != nil && level == Relaxed {
		return []string{err.Error() + " (continuing: FLAVOR_VALIDATION=relaxed)"}, nil
	}
	return nil, err
}

// CheckLauncher compares metadata launcher.checksum, if present, with the launcher region.
func (p *Package) CheckLauncher() (bool, error) {
	if p.Meta.Launcher == nil || p.Meta.Launcher.Checksum == "" {
		return false, nil
	}
	want, ok := format.ChecksumHex(p.Meta.Launcher.Checksum)
	if !ok {
		return true, errs.New(errs.LauncherChecksum, "launcher checksum %q is not sha256:<hex>", p.Meta.Launcher.Checksum)
	}
	h := sha256.New()
	if _, err := io.Copy(h, p.LauncherReader()); err != nil {
		return true, errs.Wrap(errs.IOError, err, "failed to read the launcher")
	}
	if hex.EncodeToString(h.Sum(nil)) != want {
		return true, errs.New(errs.LauncherChecksum, "launcher checksum mismatch")
	}
	return true, nil
}

// Fingerprint is the hex SHA-256 of a raw public key.
func Fingerprint(pub []byte) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:])
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
