package workenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/testpkg"
)

// The lifecycle table is shared with src/workenv/lifecycle.ts (test/workenv/lifecycle.test.ts).
func TestLifecycleVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "vectors", "lifecycle", "lifecycles.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			Name      string `json:"name"`
			Kind      string `json:"kind"`
			AtInstall bool   `json:"at_install"`
			Place     string `json:"place"`
			Trimmable bool   `json:"trimmable"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Cases) < 20 {
		t.Fatalf("%v %d cases", err, len(doc.Cases))
	}
	for _, c := range doc.Cases {
		l := LifecycleOf(c.Name)
		if string(l) != c.Kind || l.AtInstall() != c.AtInstall || l.Place() != c.Place || l.Trimmable() != c.Trimmable {
			t.Errorf("%q: got %s at_install=%v place=%s trimmable=%v, want %+v", c.Name, l, l.AtInstall(), l.Place(), l.Trimmable(), c)
		}
	}
}

// An init slot that shares folders with a runtime slot takes only its own files with it (it used to
// delete the whole shared top-level folder, runtime files included).
func TestInitSlotRemovalKeepsOtherSlotsFiles(t *testing.T) {
	in := newInstaller(t, testpkg.Spec{Slots: []testpkg.Slot{
		{ID: "app", Target: "{workenv}", Operations: "tgz", Entries: []testpkg.Entry{{Name: "bin/app", Body: "app"}, {Name: "lib/x", Body: "x"}}},
		{ID: "seed", Target: "{workenv}", Operations: "tgz", Lifecycle: "init", Entries: []testpkg.Entry{
			{Name: "bin/seed", Body: "s"}, {Name: "only-init/deep/f", Body: "f"}}},
		{ID: "libseed", Target: "{workenv}/lib/seed.txt", Operations: "raw", Data: []byte("s"), Lifecycle: "initialization"},
		{ID: "data", Target: "{workenv}/data", Operations: "tgz", Lifecycle: "init", Entries: []testpkg.Entry{{Name: "d", Body: "d"}}},
	}})
	lk, _, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	lk.Close()
	w := in.Workenv()
	for _, keep := range []string{"bin/app", "lib/x"} {
		if _, err := os.Stat(filepath.Join(w, keep)); err != nil {
			t.Errorf("%s was removed with an init slot", keep)
		}
	}
	for _, gone := range []string{"bin/seed", "only-init", "lib/seed.txt", "data"} {
		if _, err := os.Lstat(filepath.Join(w, gone)); err == nil {
			t.Errorf("init slot entry %s was left", gone)
		}
	}
}
