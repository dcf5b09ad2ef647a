package workenv

import (
	"encoding/hex"
	"strings"
)

// sanitize keeps [A-Za-z0-9._+-], replaces every other byte with "_", cuts to 64 bytes and turns a
// leading "." into "_".
func sanitize(s string) string {
	b := []byte(s)
	if len(b) > 64 {
		b = b[:64]
	}
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '+' || c == '-'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) > 0 && b[0] == '.' {
		b[0] = '_'
	}
	return string(b)
}

// Identity is the workenv id "<name>-<version>-<hash16>" of a package whose signed metadata bytes
// hash to metadataSHA256.
func Identity(name, version string, metadataSHA256 [32]byte) string {
	return sanitize(name) + "-" + sanitize(version) + "-" + hex.EncodeToString(metadataSHA256[:8])
}

// LooksLikeIdentity reports whether a folder name has the shape of a workenv id:
// [A-Za-z0-9_+-][A-Za-z0-9._+-]*-<16 lowercase hex>. (No regexp: it would add ~200 KB to the launcher.)
func LooksLikeIdentity(name string) bool {
	const hashLen = 16
	if len(name) < hashLen+2 || name[len(name)-hashLen-1] != '-' || name[0] == '.' {
		return false
	}
	for _, c := range []byte(name[len(name)-hashLen:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	for _, c := range []byte(name[:len(name)-hashLen-1]) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("._+-", c) >= 0) {
			return false
		}
	}
	return true
}
