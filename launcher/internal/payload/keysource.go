package payload

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// SlotKeyBytes is the size of a slot key.
const SlotKeyBytes = 32

const maxKeyFileBytes = 4096

// isHex64 matches ^[0-9a-fA-F]{64}$ (no regexp in the launcher: its init and size, docs/launcher.md).
func isHex64(t string) bool {
	if len(t) != 64 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(t[i])) {
			return false
		}
	}
	return true
}

// isBase64Key matches ^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$: the canonical padded base64 of 32 bytes
// (the last character before "=" carries 2 unused bits, which must be zero).
func isBase64Key(t string) bool {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	if len(t) != 44 || t[43] != '=' || !strings.ContainsRune("AEIMQUYcgkosw048", rune(t[42])) {
		return false
	}
	for i := 0; i < 42; i++ {
		if !strings.ContainsRune(alphabet, rune(t[i])) {
			return false
		}
	}
	return true
}

// KeyEnv is where a key source looks: the environment, the folder relative key files are in, and the
// terminal prompt (nil: no terminal).
type KeyEnv struct {
	Getenv  func(string) string
	BaseDir string
	Prompt  func(question string) (string, error)
}

// ParseKey parses key text as src/crypto/slot-key.ts does: surrounding spaces, tabs and line breaks are
// ignored; then 64 hex digits or 44 characters of canonical padded standard base64. The message never
// contains the key.
func ParseKey(text, from string) ([]byte, error) {
	t := strings.Trim(text, " \t\r\n")
	if isHex64(t) {
		return hex.DecodeString(t)
	}
	if isBase64Key(t) {
		return base64.StdEncoding.Strict().DecodeString(t)
	}
	var problem string
	switch len(t) {
	case 0:
		problem = "it is empty"
	case 64:
		problem = "it is 64 characters but not all hex digits"
	case 44:
		problem = "it is 44 characters but not canonical base64 of 32 bytes"
	default:
		problem = fmt.Sprintf("it is %d characters", len([]rune(t)))
	}
	return nil, errs.New(errs.SlotKeyInvalid, "the slot key from %s is not a 32-byte key: %s", from, problem).
		WithHint("a slot key is 32 random bytes as 64 hex digits (`openssl rand -hex 32`) or 44 base64 characters (`openssl rand -base64 32`)")
}

// ResolveKey reads and parses the key a source names. SLOT_KEY_MISSING when it gives nothing.
func ResolveKey(src format.KeySource, env KeyEnv) ([]byte, error) {
	from := src.String()
	var text string
	switch src.Kind {
	case "env":
		if text = env.Getenv(src.Name); text == "" {
			return nil, keyMissing(from, "the environment variable %s is not set", src.Name)
		}
	case "file":
		var err error
		if text, err = readKeyFile(KeyPath(src.Path, env.BaseDir), from); err != nil {
			return nil, err
		}
	default:
		if env.Prompt == nil {
			return nil, keyMissing(from, "there is no terminal to ask on")
		}
		var err error
		if text, err = env.Prompt("slot key: "); err != nil {
			return nil, keyMissing(from, "%v", err)
		}
	}
	return ParseKey(text, from)
}

// KeyPath resolves a file: path: "~/x" in the home folder, a relative path from baseDir.
func KeyPath(p, baseDir string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(baseDir, p)
}

func readKeyFile(path, from string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		reason := "unreadable"
		if errors.Is(err, fs.ErrNotExist) {
			reason = "ENOENT"
		} else if errors.Is(err, fs.ErrPermission) {
			reason = "EACCES"
		}
		return "", keyMissing(from, "cannot read the key file (%s)", reason)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return "", keyMissing(from, "cannot read the key file (%v)", err)
	}
	if len(b) > maxKeyFileBytes {
		return "", errs.New(errs.SlotKeyInvalid, "the key file of %s is more than %d bytes, not a key", from, maxKeyFileBytes).
			WithHint("the file must hold only the key: 64 hex digits or 44 base64 characters")
	}
	return string(b), nil
}

func keyMissing(from, format string, args ...any) *errs.Error {
	return errs.New(errs.SlotKeyMissing, "no slot key from %s: %s", from, fmt.Sprintf(format, args...)).
		WithHint("the slot is encrypted: provide its key where the key source says (see docs/supply-chain.md)")
}
