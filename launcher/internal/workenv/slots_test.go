package workenv

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/testpkg"
	"flavorpack.dev/launcher/internal/verify"
)

// A link that stays inside after its own slot can be led out by a later slot: e -> d/l/.. is "d" until
// slot 1 makes d/l a link to "..". The install checks every link again once all slots are in place.
func TestLinkLedOutByALaterSlotIsRefused(t *testing.T) {
	in := newInstaller(t, testpkg.Spec{Slots: []testpkg.Slot{
		{ID: "a", Target: "{workenv}", Operations: "tar", Entries: []testpkg.Entry{{Name: "d", Type: tar.TypeDir}, {Name: "e", Type: tar.TypeSymlink, Linkname: "d/l/.."}}},
		{ID: "b", Target: "{workenv}", Operations: "tar", Entries: []testpkg.Entry{{Name: "d/l", Type: tar.TypeSymlink, Linkname: ".."}}},
	}})
	wrote := false
	in.Setup = func(string) error { wrote = true; return nil }
	_, _, err := in.Ensure()
	if errs.CodeOf(err) != errs.UnsafePath {
		t.Fatalf("got %v, want UNSAFE_PATH", err)
	}
	if wrote {
		t.Fatal("setup ran with a link out of the workenv in place")
	}
	assertOnlyLock(t, in)
}

// Removing an init slot can change where a link leads: with x -> d/k, e -> d/l/x/../.. is the workenv
// itself; once x is gone it is the workenv's parent. The install checks the links again after removal.
func TestLinkLedOutByInitSlotRemovalIsRefused(t *testing.T) {
	in := newInstaller(t, testpkg.Spec{Slots: []testpkg.Slot{
		{ID: "seed", Target: "{workenv}", Operations: "tar", Lifecycle: "init", Entries: []testpkg.Entry{{Name: "x", Type: tar.TypeSymlink, Linkname: "d/k"}}},
		{ID: "app", Target: "{workenv}", Operations: "tar", Entries: []testpkg.Entry{
			{Name: "d", Type: tar.TypeDir}, {Name: "d/k", Type: tar.TypeDir},
			{Name: "d/l", Type: tar.TypeSymlink, Linkname: ".."}, {Name: "e", Type: tar.TypeSymlink, Linkname: "d/l/x/../.."},
		}},
	}})
	_, _, err := in.Ensure()
	if errs.CodeOf(err) != errs.UnsafePath {
		t.Fatalf("got %v, want UNSAFE_PATH", err)
	}
	assertOnlyLock(t, in)
}

// A slot whose stored bytes do not match the signed hash is refused before anything is written; the
// launcher's CLI extract (PlaceSlot) checks the same before decoding.
func TestTamperedSlotIsRefusedBeforeDecoding(t *testing.T) {
	s := testpkg.Spec{Slots: []testpkg.Slot{{ID: "app", Target: "{workenv}", Operations: "tar", Entries: []testpkg.Entry{{Name: "run.sh", Body: string(make([]byte, 200_000))}}}}}
	in := newInstaller(t, s)
	in.Pkg = tamper(t, s, 0, testpkg.SparseTar(40, 1<<20, int(in.Pkg.Slots[0].Size)))
	created := watchCreates(t, in.Cache.Dir)
	_, _, err := in.Ensure()
	if errs.CodeOf(err) != errs.SlotChecksum {
		t.Fatalf("got %v, want SLOT_CHECKSUM", err)
	}
	assertOnlyLock(t, in)
	if names := created(); names != nil && (len(names) != 1 || names[0] != in.ID+".lock") {
		t.Fatalf("the refused install created %v in the cache, want only the lock file", names)
	}

	dir := t.TempDir()
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	if _, err := PlaceSlot(root, in.Pkg, 0); errs.CodeOf(err) != errs.SlotChecksum {
		t.Fatalf("PlaceSlot: got %v, want SLOT_CHECKSUM", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("PlaceSlot wrote %d entries from a tampered slot", len(ents))
	}
}

// tamper builds s and replaces the stored bytes of slot i (same length), as a change in transit would.
func tamper(t *testing.T, s testpkg.Spec, i int, data []byte) *verify.Package {
	t.Helper()
	b, err := testpkg.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := testpkg.ReplaceSlot(b.Bytes, i, data); err != nil {
		t.Fatal(err)
	}
	p, err := verify.Decode(bytes.NewReader(b.Bytes), int64(len(b.Bytes)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func assertOnlyLock(t *testing.T, in *Installer) {
	t.Helper()
	ents, _ := os.ReadDir(in.Cache.Dir)
	if len(ents) != 1 || ents[0].Name() != in.ID+".lock" {
		names := []string{}
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("cache holds %v, want only %s.lock", names, in.ID)
	}
	if _, err := os.Lstat(filepath.Join(filepath.Dir(in.Cache.Dir), "evil")); err == nil {
		t.Fatal("something was written outside the cache")
	}
}
