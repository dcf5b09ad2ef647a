//go:build unix

package workenv

import (
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/testpkg"
)

func persistentPkg(files ...testpkg.Entry) testpkg.Spec {
	return testpkg.Spec{Slots: []testpkg.Slot{
		{ID: "app", Target: "{workenv}", Operations: "tgz", Entries: []testpkg.Entry{{Name: "run.sh", Body: "true"}}},
		{ID: "conf", Target: "{workenv}/conf", Operations: "tgz", Lifecycle: "persistent", Entries: files},
	}}
}

func prepare(t *testing.T, in *Installer) (*Run, error) {
	t.Helper()
	lk, cold, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	return in.PrepareRun(cold)
}

func TestPersistentMergeKeepsWhatExists(t *testing.T) {
	in := newInstaller(t, persistentPkg(testpkg.Entry{Name: "a", Body: "new a"}, testpkg.Entry{Name: "d/b", Body: "new b"},
		testpkg.Entry{Name: "l", Type: '2', Linkname: "a"}))
	store := in.Cache.StorePath("hello")
	os.MkdirAll(filepath.Join(store, "conf", "d"), 0o700)
	os.WriteFile(filepath.Join(store, "conf", "a"), []byte("mine"), 0o600)
	r, err := prepare(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Store != store || r.SlotPaths[1] != filepath.Join(store, "conf") {
		t.Fatalf("%+v", r)
	}
	if b, _ := os.ReadFile(filepath.Join(store, "conf", "a")); string(b) != "mine" {
		t.Fatal("an existing file was overwritten:", string(b))
	}
	if b, _ := os.ReadFile(filepath.Join(store, "conf", "d", "b")); string(b) != "new b" {
		t.Fatal("a missing file inside an existing folder was not added")
	}
	if l, err := os.Readlink(filepath.Join(store, "conf", "l")); err != nil || l != "a" {
		t.Fatal("link", l, err)
	}
	// Once merged, this slot content is not merged again: a deleted file stays deleted.
	os.Remove(filepath.Join(store, "conf", "d", "b"))
	if _, err := prepare(t, in); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(store, "conf", "d", "b")); err == nil {
		t.Fatal("merged again")
	}
	if m, _ := filepath.Glob(filepath.Join(store, stampDir, "merge-*")); len(m) != 0 {
		t.Fatal("merge temp left", m)
	}
}

func TestPersistentStoreRefusesUnsafeFolders(t *testing.T) {
	cases := map[string]func(in *Installer, elsewhere string){
		"persistent/ is a link": func(in *Installer, elsewhere string) {
			os.Symlink(elsewhere, filepath.Join(in.Cache.Root, PersistentDirName))
		},
		"the store is a link": func(in *Installer, elsewhere string) {
			os.Mkdir(filepath.Join(in.Cache.Root, PersistentDirName), 0o700)
			os.Symlink(elsewhere, in.Cache.StorePath("hello"))
		},
		"the store is writable by others": func(in *Installer, _ string) {
			os.MkdirAll(in.Cache.StorePath("hello"), 0o700)
			os.Chmod(in.Cache.StorePath("hello"), 0o777)
		},
	}
	for name, plant := range cases {
		t.Run(name, func(t *testing.T) {
			in := newInstaller(t, persistentPkg(testpkg.Entry{Name: "a", Body: "x"}))
			elsewhere := t.TempDir()
			plant(in, elsewhere)
			_, err := prepare(t, in)
			if errs.CodeOf(err) != errs.CacheUnsafe {
				t.Fatalf("want CACHE_UNSAFE, got %v", err)
			}
			if names, _ := os.ReadDir(elsewhere); len(names) != 0 {
				t.Fatal("wrote through the link:", names)
			}
		})
	}
}

func TestTrimAndRemoveStoreSkipWhatIsInUse(t *testing.T) {
	spec := persistentPkg(testpkg.Entry{Name: "a", Body: "x"})
	spec.Slots = append(spec.Slots, testpkg.Slot{ID: "m", Target: "{workenv}/m", Operations: "raw", Data: []byte("mm"), Lifecycle: "cached"})
	in := newInstaller(t, spec)
	lk, cold, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.PrepareRun(cold); err != nil {
		t.Fatal(err)
	}
	if r := in.Cache.Trim(in.ID); r.Status != "in_use" {
		t.Fatalf("trim while running: %+v", r)
	}
	if r := in.Cache.RemoveStore("hello"); r.Status != "in_use" {
		t.Fatalf("remove store while running: %+v", r)
	}
	lk.Close()
	if r := in.Cache.Trim(in.ID); r.Status != "trimmed" || r.BytesFreed != 2 || len(r.Slots) != 1 {
		t.Fatalf("trim: %+v", r)
	}
	if r := in.Cache.Trim(in.ID); r.Status != "nothing" {
		t.Fatalf("second trim: %+v", r)
	}
	if !in.intact() {
		t.Fatal("a trimmed workenv must stay intact")
	}
	if r := in.Cache.Trim("../x"); r.Status != "error" {
		t.Fatalf("%+v", r)
	}
	if r := in.Cache.RemoveStore("hello"); r.Status != "removed" {
		t.Fatalf("remove store: %+v", r)
	}
}
