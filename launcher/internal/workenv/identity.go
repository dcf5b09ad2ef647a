package workenv

import (
	"encoding/hex"
	"regexp"
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

var identityPattern = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9._+-]*-[0-9a-f]{16}$`)

// LooksLikeIdentity reports whether a folder name has the shape of a workenv id.
func LooksLikeIdentity(name string) bool { return identityPattern.MatchString(name) }
