package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
)

// trustBlock holds the keys baked into this launcher binary. `flavor pack --trust-key` finds its
// 17-byte magic ("\x00FLAVOR-TRUST-V1\x00") in the launcher file (it occurs exactly once: only here,
// nowhere else in the source) and writes the key count (byte 17, at most 8) and up to 8 raw Ed25519
// public keys of 32 bytes each (bytes 18..273).
var trustBlock = [TrustBlockSize]byte{
	0x00, 0x46, 0x4c, 0x41, 0x56, 0x4f, 0x52, 0x2d, 0x54, 0x52, 0x55, 0x53, 0x54, 0x2d, 0x56, 0x31, 0x00,
}

// Trust block geometry.
const (
	TrustMagicSize = 17
	TrustMaxKeys   = 8
	TrustBlockSize = TrustMagicSize + 1 + TrustMaxKeys*32
)

// TrustSet is the set of trusted keys and key fingerprints.
type TrustSet struct {
	keys         [][]byte
	fingerprints [][32]byte
}

// EmbeddedKeys returns the keys patched into this binary's trust block.
func EmbeddedKeys() [][]byte {
	block := trustBlock // one read of the patched bytes at run time
	n := int(block[TrustMagicSize])
	if n > TrustMaxKeys {
		n = TrustMaxKeys
	}
	keys := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		off := TrustMagicSize + 1 + 32*i
		keys = append(keys, append([]byte(nil), block[off:off+32]...))
	}
	return keys
}

// trustMagic is the block's first 17 bytes (the literal above).
var trustMagic = trustBlock[:TrustMagicSize]

// PinnedKeys reads the trust block from a launcher's bytes, as `flavor verify` does
// (src/format/trust-block.ts): no magic means no pinned keys; the count byte is capped at
// TrustMaxKeys, like EmbeddedKeys; more than one magic, or a block cut off by the end of the launcher,
// is refused (UNTRUSTED_KEY): which keys that launcher pins cannot be told.
func PinnedKeys(launcher []byte) ([][]byte, error) {
	at := bytes.Index(launcher, trustMagic)
	if at < 0 {
		return nil, nil
	}
	if bytes.Count(launcher, trustMagic) > 1 {
		return nil, errs.New(errs.UntrustedKey, "the launcher has more than one trust block, so the keys it pins are ambiguous")
	}
	if at+TrustBlockSize > len(launcher) {
		return nil, errs.New(errs.UntrustedKey, "the launcher's trust block is cut off by the end of the launcher")
	}
	block := launcher[at : at+TrustBlockSize]
	n := min(int(block[TrustMagicSize]), TrustMaxKeys)
	keys := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		off := TrustMagicSize + 1 + 32*i
		keys = append(keys, append([]byte(nil), block[off:off+32]...))
	}
	return keys, nil
}

// LoadTrust builds the trusted set from the embedded keys and FLAVOR_TRUSTED_KEYS (comma or space
// separated: 64-hex raw keys, or "sha256:<64 hex>" key fingerprints).
func LoadTrust(env string) (*TrustSet, error) {
	return LoadTrustWith(EmbeddedKeys(), env)
}

// LoadTrustWith is LoadTrust with the pinned keys of another launcher (PinnedKeys).
func LoadTrustWith(pinned [][]byte, env string) (*TrustSet, error) {
	t := &TrustSet{keys: pinned}
	for _, f := range strings.FieldsFunc(env, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if fp, ok := strings.CutPrefix(strings.ToLower(f), "sha256:"); ok {
			b, err := hex.DecodeString(fp)
			if err != nil || len(b) != 32 {
				return nil, badKey(f)
			}
			t.fingerprints = append(t.fingerprints, [32]byte(b))
			continue
		}
		b, err := hex.DecodeString(f)
		if err != nil || len(b) != 32 {
			return nil, badKey(f)
		}
		t.keys = append(t.keys, b)
	}
	return t, nil
}

func badKey(f string) error {
	if len(f) > 80 {
		f = f[:80] + "…"
	}
	return errs.New(errs.KeyInvalid, "FLAVOR_TRUSTED_KEYS entry %q is neither a 64-hex Ed25519 key nor sha256:<64 hex>", f).
		WithHint("separate entries with commas or spaces")
}

// Empty reports whether no key is trusted (then any valid signature is accepted).
func (t *TrustSet) Empty() bool { return len(t.keys) == 0 && len(t.fingerprints) == 0 }

// Contains reports whether pub is trusted by key or fingerprint.
func (t *TrustSet) Contains(pub []byte) bool {
	for _, k := range t.keys {
		if bytes.Equal(k, pub) {
			return true
		}
	}
	fp := sha256.Sum256(pub)
	for _, f := range t.fingerprints {
		if f == fp {
			return true
		}
	}
	return false
}

// Count returns the number of trusted entries.
func (t *TrustSet) Count() int { return len(t.keys) + len(t.fingerprints) }
