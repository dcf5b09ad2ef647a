package cli

import (
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/format"
)

func TestResolveCommandAndPackageCheck(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "app.psp")
	body := make([]byte, format.TrailerSize)
	copy(body[len(body)-4:], format.EndMagic)
	if err := os.WriteFile(pkg, body, 0o755); err != nil {
		t.Fatal(err)
	}
	notPkg := filepath.Join(dir, "tool")
	if err := os.WriteFile(notPkg, make([]byte, format.TrailerSize), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, c := range []struct {
		name, path string
		want       string
		ok         bool
	}{
		{"app.psp", "/nonexistent:" + dir, pkg, true}, // bare name: PATH
		{"./app.psp", "", pkg, true},                  // relative path: working folder
		{pkg, "", pkg, true},                          // absolute path
		{"app.psp", "/nonexistent", "", false},        // not on PATH
		{"", dir, "", false},                          // empty argv[0]
		{"app.psp", ":", pkg, true},                   // empty PATH entry = working folder
	} {
		got, ok := resolveCommand(c.name, c.path)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("resolveCommand(%q, %q) = %q, %v; want %q, %v", c.name, c.path, got, ok, c.want, c.ok)
		}
	}
	if !isPackageFile(pkg) || isPackageFile(notPkg) || isPackageFile(dir) || isPackageFile(filepath.Join(dir, "missing")) {
		t.Fatal("isPackageFile must accept only a regular file ending with the PSPF end magic")
	}
}
