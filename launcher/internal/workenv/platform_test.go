package workenv

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/testpkg"
)

// otherOS is an OS this test is not running on.
func otherOS() string {
	if runtime.GOOS == "linux" {
		return "darwin"
	}
	return "linux"
}

// A slot for another machine is neither hashed nor written: its stored bytes are garbage here, which
// the pre-hash would refuse (SLOT_CHECKSUM) if it read them. Slots for this OS, this OS_arch and every
// machine are extracted; a volatile refresh passes over the other machine's slot too.
func TestSlotsForOtherPlatformsAreNotExtracted(t *testing.T) {
	here := runtime.GOOS + "_" + runtime.GOARCH
	otherArch := runtime.GOOS + "_" + map[bool]string{true: "arm64", false: "amd64"}[runtime.GOARCH == "amd64"]
	s := testpkg.Spec{Slots: []testpkg.Slot{
		{ID: "app", Target: "{workenv}/app.txt", Operations: "raw", Data: []byte("app")},
		{ID: "os", Target: "{workenv}/os.txt", Operations: "raw", Platform: runtime.GOOS, Data: []byte("os")},
		{ID: "here", Target: "{workenv}/here.txt", Operations: "raw", Platform: here, Data: []byte("here")},
		{ID: "other-os", Target: "{workenv}/other-os.txt", Operations: "raw", Lifecycle: "volatile", Platform: otherOS(), Data: []byte("other os")},
		{ID: "other-arch", Target: "{workenv}/other-arch.txt", Operations: "raw", Platform: otherArch, Data: []byte("other arch")},
	}}
	in := newInstaller(t, s)
	in.Pkg = tamper(t, s, 3, bytes.Repeat([]byte{'x'}, len("other os")))
	if _, _, err := in.Ensure(); err != nil {
		t.Fatalf("install: %v", err)
	}
	if err := in.RefreshVolatile(); err != nil {
		t.Fatalf("volatile refresh: %v", err)
	}
	for name, want := range map[string]bool{"app.txt": true, "os.txt": true, "here.txt": true, "other-os.txt": false, "other-arch.txt": false} {
		_, err := os.Lstat(filepath.Join(in.Workenv(), name))
		if got := err == nil; got != want {
			t.Errorf("%s present = %v, want %v", name, got, want)
		}
	}
	log := in.Log.W.(*bytes.Buffer).String()
	if !strings.Contains(log, "slot 3 (other-os) is for "+otherOS()) {
		t.Errorf("no debug line for the skipped slot in:\n%s", log)
	}
}
