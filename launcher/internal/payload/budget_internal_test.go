package payload

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
)

// The cap is on the total of file contents a slot writes, across all its files, not only per entry.
func TestWrittenBytesAreCappedAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	x := &extractor{root: root, dirs: map[string]bool{"": true}, seen: map[string]bool{}, max: 100, consumed: func() int64 { return 0 }}
	defer x.closeDir()
	sixty := strings.Repeat("x", 60)
	if err := x.writeFile("a", strings.NewReader(sixty), 60, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := x.writeFile("b", strings.NewReader(sixty), 60, 0o644); errs.CodeOf(err) != errs.PayloadTooLarge {
		t.Fatalf("second file: got %v, want PAYLOAD_TOO_LARGE", err)
	}
	if _, err := os.Lstat(dir + "/b"); err == nil {
		t.Fatal("the file over the cap was created")
	}
	// A stream of unknown length (a single-file slot) stops at the cap, with nothing written past it.
	if err := x.writeFile("c", strings.NewReader(sixty), -1, 0o644); errs.CodeOf(err) != errs.PayloadTooLarge {
		t.Fatalf("stream: got %v, want PAYLOAD_TOO_LARGE", err)
	}
	if x.written != 100 {
		t.Fatalf("wrote %d bytes in all, cap 100", x.written)
	}
}

func TestLimitReaderPassesNothingPastTheCap(t *testing.T) {
	l := &limitReader{r: bytes.NewReader(make([]byte, 1000)), max: 300}
	buf := make([]byte, 512)
	n, err := l.Read(buf)
	if n != 300 || errs.CodeOf(err) != errs.PayloadTooLarge {
		t.Fatalf("read %d bytes, err %v; want 300 and PAYLOAD_TOO_LARGE", n, err)
	}
	if n, err := l.Read(buf); n != 0 || errs.CodeOf(err) != errs.PayloadTooLarge {
		t.Fatalf("after the cap: %d, %v", n, err)
	}
}
