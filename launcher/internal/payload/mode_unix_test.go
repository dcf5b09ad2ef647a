//go:build unix

package payload_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"flavorpack.dev/launcher/internal/testpkg"
)

// Small files are written by the writers with raw system calls, which skip the fchmod when the umask
// leaves the mode alone: every file must still get exactly its tar mode, whatever the umask.
func TestFileModesWhateverTheUmask(t *testing.T) {
	entries := []testpkg.Entry{
		{Name: "bin/app", Body: "#!/bin/sh\n", Mode: 0o755},
		{Name: "lib/data.txt", Body: "data", Mode: 0o644},
		{Name: "lib/secret", Body: "s", Mode: 0o600},
		{Name: "lib/group", Body: "g", Mode: 0o664},
		{Name: "lib/big.bin", Body: strings.Repeat("b", 300<<10), Mode: 0o750}, // streamed, not queued
	}
	for _, mask := range []int{0, 0o022, 0o077} {
		old := syscall.Umask(mask)
		dir := t.TempDir()
		_, err := place(t, dir, "{workenv}", "tar.zst", entries, nil)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			fi, err := os.Stat(filepath.Join(dir, e.Name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != fs.FileMode(e.Mode) {
				t.Errorf("umask %03o: %s has mode %03o, want %03o", mask, e.Name, got, e.Mode)
			}
		}
	}
}
