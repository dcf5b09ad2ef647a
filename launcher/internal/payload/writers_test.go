package payload_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/testpkg"
)

// A file handed to the writers may not exist yet when a later entry needs its path as a folder: the
// answer must still be the sequential one (UNSAFE_PATH, "goes through a file"), every time.
func TestEntryThroughAQueuedFile(t *testing.T) {
	entries := []testpkg.Entry{{Name: "a", Body: "file"}, {Name: "a/b", Body: "x"}}
	for i := range 30 {
		_, err := place(t, t.TempDir(), "{workenv}", "tar", entries, nil)
		if errs.CodeOf(err) != errs.UnsafePath || !strings.Contains(err.Error(), "goes through a file") {
			t.Fatalf("run %d: got %v, want UNSAFE_PATH (goes through a file)", i, err)
		}
	}
}

// When several entries fail, the error is the earliest entry's, whatever the writers' timing: here the
// writers fail on file 0 (its name is taken by a folder the slot's staging root already has), the
// extractor on the last entry (a hard link).
func TestEarliestFailingEntryWins(t *testing.T) {
	var entries []testpkg.Entry
	entries = append(entries, testpkg.Entry{Name: "taken", Body: "x"})
	for i := range 50 {
		entries = append(entries, testpkg.Entry{Name: fmt.Sprintf("f%02d", i), Body: "y"})
	}
	entries = append(entries, testpkg.Entry{Name: "hard", Type: '1', Linkname: "f00"})
	for i := range 10 {
		dir := t.TempDir()
		if err := os.Mkdir(dir+"/taken", 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := place(t, dir, "{workenv}", "tar", entries, nil)
		if errs.CodeOf(err) != errs.UnsafeEntry || !strings.Contains(err.Error(), "would replace a folder") {
			t.Fatalf("run %d: got %v, want the first entry's UNSAFE_ENTRY (would replace a folder)", i, err)
		}
	}
}
