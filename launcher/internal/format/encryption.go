package format

import "strings"

// EncryptionAlgorithm is the one slot encryption this format version knows: streaming AES-256-GCM
// (chain op 0x4F, docs/format.md "Encrypted slots").
const EncryptionAlgorithm = "aes256-gcm"

// SlotEncryption is a slot's signed "encryption" object: where the launcher finds the key, never the key.
type SlotEncryption struct {
	Algorithm string
	KeySource string
}

// KeySource is a parsed key source: Kind "env" (Name), "file" (Path) or "prompt".
type KeySource struct {
	Kind string
	Name string
	Path string
}

// String is the source as written ("env:NAME", "file:PATH", "prompt").
func (k KeySource) String() string {
	switch k.Kind {
	case "env":
		return "env:" + k.Name
	case "file":
		return "file:" + k.Path
	}
	return "prompt"
}

// ParseKeySource parses "env:NAME" (NAME = [A-Za-z_][A-Za-z0-9_]*), "file:PATH" (non-empty, no NUL)
// or "prompt", as src/format/encryption.ts does.
func ParseKeySource(text string) (KeySource, bool) {
	switch {
	case text == "prompt":
		return KeySource{Kind: "prompt"}, true
	case strings.HasPrefix(text, "env:"):
		name := text[4:]
		if !envName(name) {
			return KeySource{}, false
		}
		return KeySource{Kind: "env", Name: name}, true
	case strings.HasPrefix(text, "file:"):
		p := text[5:]
		if p == "" || strings.ContainsRune(p, 0) {
			return KeySource{}, false
		}
		return KeySource{Kind: "file", Path: p}, true
	}
	return KeySource{}, false
}

func envName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// encryptionChainProblem is the chain rule: the encryption op only as the last op.
func encryptionChainProblem(c Chain) string {
	for i, o := range c {
		if o == OpAES256GCMStream && i != len(c)-1 {
			return "aes256-gcm must be the last operation of the chain"
		}
	}
	return ""
}
