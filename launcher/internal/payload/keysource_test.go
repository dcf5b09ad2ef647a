package payload_test

// Key sources in the launcher (payload/keysource.go): what the shared vectors cannot cover — key files
// (relative to the package's folder, too large, missing) and the prompt. The key text rules are pinned
// for both implementations by testdata/vectors/encrypted.

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/payload"
)

var hexKey = strings.Repeat("ab", 32)

func TestKeyFileRelativeToBaseDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "keys"), 0o700)
	os.WriteFile(filepath.Join(dir, "keys", "k"), []byte(hexKey+"\n"), 0o600)
	src, _ := format.ParseKeySource("file:keys/k")
	key, err := payload.ResolveKey(src, payload.KeyEnv{BaseDir: dir})
	if err != nil || !bytes.Equal(key, bytes.Repeat([]byte{0xab}, 32)) {
		t.Fatalf("got %x, %v", key, err)
	}
	if got := payload.KeyPath("/abs/k", dir); got != "/abs/k" {
		t.Fatalf("absolute path changed: %s", got)
	}
}

func TestKeyFileMissingOrTooLarge(t *testing.T) {
	dir := t.TempDir()
	src, _ := format.ParseKeySource("file:nope")
	_, err := payload.ResolveKey(src, payload.KeyEnv{BaseDir: dir})
	if errs.CodeOf(err) != errs.SlotKeyMissing || !strings.Contains(err.Error(), "no slot key from file:nope: cannot read the key file (ENOENT)") {
		t.Fatalf("missing file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "big"), []byte(strings.Repeat(hexKey+"\n", 100)), 0o600)
	src, _ = format.ParseKeySource("file:big")
	if _, err := payload.ResolveKey(src, payload.KeyEnv{BaseDir: dir}); errs.CodeOf(err) != errs.SlotKeyInvalid {
		t.Fatalf("large file: %v", err)
	}
}

func TestPromptKey(t *testing.T) {
	src, _ := format.ParseKeySource("prompt")
	var asked []string
	key, err := payload.ResolveKey(src, payload.KeyEnv{Prompt: func(q string) (string, error) { asked = append(asked, q); return hexKey, nil }})
	if err != nil || len(key) != 32 || len(asked) != 1 || asked[0] != "slot key: " {
		t.Fatalf("got %x, %v, %q", key, err, asked)
	}
	if _, err := payload.ResolveKey(src, payload.KeyEnv{}); errs.CodeOf(err) != errs.SlotKeyMissing || !strings.Contains(err.Error(), "no terminal") {
		t.Fatalf("no terminal: %v", err)
	}
}

func TestEncryptedChainNeedsAKey(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	chain := format.Chain{format.OpGzip, format.OpAES256GCMStream}
	_, err = payload.Place(root, payload.Placement{Target: "{workenv}/f", Chain: chain, Mode: 0o600, Stored: 100, ID: "s"}, bytes.NewReader(make([]byte, 100)))
	if errs.CodeOf(err) != errs.SlotKeyMissing {
		t.Fatalf("got %v, want SLOT_KEY_MISSING", err)
	}
}
