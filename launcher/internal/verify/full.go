package verify

import (
	"encoding/hex"
	"fmt"
	"io"

	"flavorpack.dev/launcher/internal/errs"
)

// Report receives each passed check of Verify: a short name and a detail line.
type Report func(check, detail string)

// Result is what Verify found out besides pass/fail.
type Result struct {
	Package     *Package
	Fingerprint string   // sha256:<hex> of the package's public key ("" before the index is read)
	Pinned      []string // fingerprints of the keys the package's launcher pins (its trust block)
}

// Verify runs every check of docs/format.md in its order and stops at the first failure. The trust
// policy is the launcher's: the keys pinned by the package's own launcher (read from the file) plus
// trustedEnv (FLAVOR_TRUSTED_KEYS). `flavor verify` (src/reader/verify.ts) runs the same sequence.
func Verify(r io.ReaderAt, size int64, trustedEnv string, report Report) (*Result, error) {
	res := &Result{}
	p, err := Open(r, size)
	if err != nil {
		return res, err
	}
	res.Package, res.Fingerprint = p, "sha256:"+Fingerprint(p.Index.PublicKey[:])
	report("structure", fmt.Sprintf("trailer, index (adler32 0x%08x) and layout valid; metadata sha256 %s", p.Index.IndexChecksum, hex.EncodeToString(p.Index.MetadataChecksum[:])))
	if err := p.CheckSignature(); err != nil {
		return res, err
	}
	report("signature", "ed25519 signature valid (key "+res.Fingerprint+")")
	if err := p.checkFileTrust(res, trustedEnv, report); err != nil {
		return res, err
	}
	if err := p.Parse(); err != nil {
		return res, err
	}
	report("metadata", fmt.Sprintf("%s %s, %d slots", p.Meta.Package.Name, p.Meta.Package.Version, len(p.Slots)))
	if err := p.CheckGaps(); err != nil {
		return res, err
	}
	report("padding", "all bytes between regions are zero")
	if present, err := p.CheckLauncher(); err != nil {
		return res, err
	} else if present {
		report("launcher", fmt.Sprintf("sha256 matches (%d bytes)", p.Index.LauncherSize))
	}
	for i := range p.Slots {
		if err := p.VerifySlot(i); err != nil {
			return res, err
		}
		report(fmt.Sprintf("slot %d (%s)", i, p.Meta.Slots[i].ID), fmt.Sprintf("sha256 matches (%d bytes)", p.Slots[i].Size))
	}
	return res, nil
}

// checkFileTrust applies the trust policy with the keys pinned by the launcher inside the file.
func (p *Package) checkFileTrust(res *Result, trustedEnv string, report Report) error {
	launcher, err := io.ReadAll(p.LauncherReader())
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to read the launcher")
	}
	pinned, err := PinnedKeys(launcher)
	if err != nil {
		return err
	}
	for _, k := range pinned {
		res.Pinned = append(res.Pinned, "sha256:"+Fingerprint(k))
	}
	trusted, err := LoadTrustWith(pinned, trustedEnv)
	if err != nil {
		return err
	}
	if err := p.CheckTrust(trusted); err != nil {
		return err
	}
	switch {
	case len(pinned) > 0:
		report("trust", fmt.Sprintf("the launcher pins %v; signed by %s", res.Pinned, res.Fingerprint))
	case trusted.Empty():
		report("trust", "no trusted keys configured: integrity only")
	default:
		report("trust", "signed by a key in FLAVOR_TRUSTED_KEYS")
	}
	return nil
}
