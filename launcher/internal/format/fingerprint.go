package format

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"flavorpack.dev/launcher/internal/errs"
)

// KeyFingerprintSize is the size of the key fingerprint field, index bytes 1376..1439 (the first 64
// bytes of the reserved area). Upstream's 0.5.4 builders write the signing key's fingerprint there as
// 64 ASCII characters: the lower-case hex SHA-256 of the raw public key (docs/compat.md).
const KeyFingerprintSize = 64

// KeyFingerprintField is the field as written: all zero when absent.
func (ix *Index) KeyFingerprintField() []byte { return ix.Reserved[:KeyFingerprintSize] }

// CheckKeyFingerprint refuses a fingerprint field that is neither all zero nor exactly the
// fingerprint of the public key in the index. It mirrors checkKeyFingerprintField in
// src/format/index-block.ts.
func (ix *Index) CheckKeyFingerprint() error {
	field := ix.KeyFingerprintField()
	if allZero(field) {
		return nil
	}
	sum := sha256.Sum256(ix.PublicKey[:])
	want := hex.EncodeToString(sum[:])
	if bytes.Equal(field, []byte(want)) {
		return nil
	}
	written := "non-text bytes"
	if printable(field) {
		written = `"` + string(field) + `"`
	}
	return errs.New(errs.KeyFingerprintMismatch,
		"index bytes 1376..1439 name the key fingerprint %s, but the package is signed by %s", written, want).
		WithHint("the public key or the fingerprint field was replaced; rebuild the package or get an untouched copy")
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
