//go:build linux

package main

// End-to-end tests of issue 11 findings 1 and 4 through the real launcher binary: a slot changed in
// transit writes nothing but the lock file (observed with inotify), and links out of the workenv are
// refused at install, by the CLI extract command and in setup file operations.

import (
	"archive/tar"
	"bytes"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"flavorpack.dev/launcher/internal/testpkg"
)

// A validly signed package whose tar slot was replaced (same length) by 40 sparse entries of 5 MB each,
// launched cold with its key pinned: refused with SLOT_CHECKSUM, and the only thing ever created in the
// cache is the lock file. Before, 200 MB were written into a staging folder first.
func TestE2ESlotChangedInTransitWritesNothing(t *testing.T) {
	spec := testpkg.Simple("echo genuine\n")
	spec.Slots[0].Operations = "tar"
	spec.Slots[0].Entries = append(spec.Slots[0].Entries, testpkg.Entry{Name: "filler.bin", Body: strings.Repeat("f", 100_000)})
	f := newFixture(t, spec)
	b, _ := os.ReadFile(f.pkg)
	stored, _ := testpkg.Tar(spec.Slots[0].Entries)
	if err := testpkg.ReplaceSlot(b, 0, testpkg.SparseTar(40, 5<<20, len(stored))); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(f.pkg, b, 0o755)
	workenvDir := filepath.Join(f.cache, "workenv")
	if err := os.MkdirAll(workenvDir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(f.cache, 0o700)
	created := watchCreates(t, workenvDir)
	r := f.run([]string{"FLAVOR_TRUSTED_KEYS=" + hex.EncodeToString(f.built.Public)}, "")
	names := created()
	if r.code != 107 || !strings.Contains(r.stderr, "[SLOT_CHECKSUM]") || r.stdout != "" {
		t.Fatalf("tampered slot: %+v", r)
	}
	if len(names) != 1 || !strings.HasSuffix(names[0], ".lock") {
		t.Fatalf("the refused launch created %v in the cache, want only the lock file", names)
	}
	cacheHoldsOnlyTheLock(t, f.cache)
}

// A signed package with chained links (d/l -> .., e -> d/l/..) and a setup write_file through e: the
// install refuses the links before setup runs, the CLI extract command refuses them too, and nothing is
// written outside.
func TestE2EChainedLinksAreRefused(t *testing.T) {
	spec := testpkg.Simple("echo ran\n")
	spec.Slots[0].Entries = append(spec.Slots[0].Entries,
		testpkg.Entry{Name: "d", Type: tar.TypeDir},
		testpkg.Entry{Name: "d/l", Type: tar.TypeSymlink, Linkname: ".."},
		testpkg.Entry{Name: "e", Type: tar.TypeSymlink, Linkname: "d/l/.."})
	spec.Extra = map[string]any{"setup_commands": []any{map[string]any{"type": "write_file", "path": "{workenv}/e/evil", "content": "x"}}}
	f := newFixture(t, spec)
	r := f.run(nil, "")
	if r.code != 103 || !strings.Contains(r.stderr, "[UNSAFE_PATH]") || r.stdout != "" {
		t.Fatalf("install: %+v", r)
	}
	cacheHoldsOnlyTheLock(t, f.cache)
	out := filepath.Join(f.dir, "x", "out")
	r = f.run([]string{"FLAVOR_LAUNCHER_CLI=1"}, "", "extract", "0", out)
	if r.code != 103 || !strings.Contains(r.stderr, "[UNSAFE_PATH]") {
		t.Fatalf("extract: %+v", r)
	}
	if _, err := os.Lstat(filepath.Join(out, "e")); err == nil {
		t.Fatal("extract left the escaping link behind")
	}
	assertNoEvil(t, f.dir)
}

// A setup command that makes a link out of the workenv, then write_file and chmod through it: refused,
// nothing outside is written or changed.
func TestE2ESetupCannotWriteThroughALinkOut(t *testing.T) {
	for _, op := range []map[string]any{
		{"type": "write_file", "path": "{workenv}/up/evil", "content": "x"},
		{"type": "chmod", "path": "{workenv}/up/victim", "mode": "777"},
	} {
		spec := testpkg.Simple("echo ran\n")
		spec.Extra = map[string]any{"setup_commands": []any{"/bin/ln -s ../../.. {workenv}/up", op}}
		f := newFixture(t, spec)
		victim := filepath.Join(f.dir, "victim")
		os.WriteFile(victim, []byte("untouched"), 0o644)
		r := f.run(nil, "")
		if r.code != 103 || !strings.Contains(r.stderr, "[UNSAFE_PATH]") || r.stdout != "" {
			t.Fatalf("%v: %+v", op["type"], r)
		}
		if fi, err := os.Stat(victim); err != nil || fi.Mode().Perm() != 0o644 {
			t.Fatalf("%v: victim changed: %v %v", op["type"], fi, err)
		}
		assertNoEvil(t, f.dir)
	}
}

func cacheHoldsOnlyTheLock(t *testing.T, cache string) {
	t.Helper()
	if left := treeOf(t, cache); len(left) != 3 || left[1] != "workenv" || !strings.HasSuffix(left[2], ".lock") {
		t.Fatalf("cache after the refused launch: %v, want only the lock file", left)
	}
}

func assertNoEvil(t *testing.T, dir string) {
	t.Helper()
	for _, p := range treeOf(t, dir) {
		if filepath.Base(p) == "evil" {
			t.Fatalf("%s was written", p)
		}
	}
}

// treeOf lists every path under dir (relative, walk order), without following links.
func treeOf(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// watchCreates records every name created in (or moved into) dir from now on, with inotify; the
// returned function stops watching and lists them in order.
func watchCreates(t *testing.T, dir string) func() []string {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE|syscall.IN_MOVED_TO); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	return func() []string {
		defer syscall.Close(fd)
		names := []string{}
		buf := make([]byte, 64<<10)
		for {
			n, err := syscall.Read(fd, buf)
			if err != nil || n <= 0 {
				return names
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
				names = append(names, string(bytes.TrimRight(name, "\x00")))
				off += syscall.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}
}
