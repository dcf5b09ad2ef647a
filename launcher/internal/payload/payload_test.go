package payload_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/payload"
	"flavorpack.dev/launcher/internal/testpkg"
)

func place(t testing.TB, dir string, target, ops string, entries []testpkg.Entry, data []byte) ([]string, error) {
	t.Helper()
	chain, err := format.ParseChain(ops)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := testpkg.Encode(testpkg.Slot{Entries: entries, Data: data}, chain)
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	placed, err := payload.Place(root, payload.Placement{Target: target, Chain: chain, Mode: 0o640, Stored: uint64(len(stored))}, bytes.NewReader(stored))
	if err != nil {
		return nil, err
	}
	return placed.Top, nil
}

func TestPlaceChains(t *testing.T) {
	entries := []testpkg.Entry{
		{Name: "bin/", Type: tar.TypeDir},
		{Name: "bin/app", Body: "#!/bin/sh\n", Mode: 0o755},
		{Name: "./lib/data.txt", Body: "data"},
		{Name: "lib/link", Type: tar.TypeSymlink, Linkname: "data.txt"},
		{Name: "top-link", Type: tar.TypeSymlink, Linkname: "lib/data.txt"},
	}
	for _, ops := range []string{"tar", "tgz", "tar.zst", "tar.xz", "tar|gzip|zstd"} {
		t.Run(ops, func(t *testing.T) {
			dir := t.TempDir()
			top, err := place(t, dir, "{workenv}/sub", ops, entries, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(top) != 1 || top[0] != "sub" {
				t.Fatalf("top-level %v", top)
			}
			b, err := os.ReadFile(filepath.Join(dir, "sub/lib/link"))
			if err != nil || string(b) != "data" {
				t.Fatal(string(b), err)
			}
			fi, _ := os.Stat(filepath.Join(dir, "sub/bin/app"))
			if fi.Mode().Perm() != 0o755 {
				t.Fatalf("mode %v", fi.Mode())
			}
		})
	}
	for _, ops := range []string{"raw", "gzip", "zstd", "xz"} {
		dir := t.TempDir()
		if _, err := place(t, dir, "bin/tool", ops, nil, []byte("payload")); err != nil {
			t.Fatal(ops, err)
		}
		fi, err := os.Stat(filepath.Join(dir, "bin/tool"))
		if err != nil || fi.Mode().Perm() != 0o640 || fi.Size() != 7 {
			t.Fatal(ops, fi, err)
		}
	}
}

func TestUnsafeEntries(t *testing.T) {
	cases := []struct {
		name    string
		target  string
		entries []testpkg.Entry
		code    string
	}{
		{"dotdot", "", []testpkg.Entry{{Name: "../evil", Body: "x"}}, errs.UnsafePath},
		{"nested dotdot", "", []testpkg.Entry{{Name: "a/../../evil", Body: "x"}}, errs.UnsafePath},
		{"absolute", "", []testpkg.Entry{{Name: "/etc/evil", Body: "x"}}, errs.UnsafePath},
		{"backslash", "", []testpkg.Entry{{Name: `..\evil`, Body: "x"}}, errs.UnsafePath},
		{"symlink absolute", "", []testpkg.Entry{{Name: "l", Type: tar.TypeSymlink, Linkname: "/etc"}}, errs.UnsafePath},
		{"symlink escape", "", []testpkg.Entry{{Name: "a/l", Type: tar.TypeSymlink, Linkname: "../../x"}}, errs.UnsafePath},
		{"symlink escape from target", "sub", []testpkg.Entry{{Name: "l", Type: tar.TypeSymlink, Linkname: "../../x"}}, errs.UnsafePath},
		{"through symlink", "", []testpkg.Entry{{Name: "d", Type: tar.TypeDir}, {Name: "l", Type: tar.TypeSymlink, Linkname: "d"}, {Name: "l/f", Body: "x"}}, errs.UnsafePath},
		{"hardlink", "", []testpkg.Entry{{Name: "f", Body: "x"}, {Name: "h", Type: tar.TypeLink, Linkname: "f"}}, errs.UnsafeEntry},
		{"char device", "", []testpkg.Entry{{Name: "c", Type: tar.TypeChar}}, errs.UnsafeEntry},
		{"block device", "", []testpkg.Entry{{Name: "b", Type: tar.TypeBlock}}, errs.UnsafeEntry},
		{"fifo", "", []testpkg.Entry{{Name: "p", Type: tar.TypeFifo}}, errs.UnsafeEntry},
		{"duplicate", "", []testpkg.Entry{{Name: "f", Body: "x"}, {Name: "./f", Body: "y"}}, errs.UnsafeEntry},
		{"file over dir", "", []testpkg.Entry{{Name: "d/x", Body: "x"}, {Name: "d", Body: "y"}}, errs.UnsafeEntry},
		{"target dotdot", "{workenv}/../x", []testpkg.Entry{{Name: "f", Body: "x"}}, errs.UnsafePath},
		{"target absolute", "/etc", []testpkg.Entry{{Name: "f", Body: "x"}}, errs.UnsafePath},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "ws")
			os.Mkdir(dir, 0o700)
			_, err := place(t, dir, c.target, "tar", c.entries, nil)
			if errs.CodeOf(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if ents, _ := os.ReadDir(parent); len(ents) != 1 {
				t.Fatalf("something was written outside: %v", ents)
			}
		})
	}
}

func TestPreexistingSymlinkNotFollowed(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(dir, "out"))
	_, err := place(t, dir, "out", "tar", []testpkg.Entry{{Name: "f", Body: "x"}}, nil)
	if errs.CodeOf(err) != errs.UnsafePath {
		t.Fatal(err)
	}
	// A single-file slot replaces a link at its target instead of writing through it.
	os.WriteFile(filepath.Join(outside, "victim"), []byte("keep"), 0o600)
	os.Symlink(filepath.Join(outside, "victim"), filepath.Join(dir, "file"))
	if _, err := place(t, dir, "file", "raw", nil, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "victim")); string(b) != "keep" {
		t.Fatal("wrote through a symlink")
	}
}

func TestCorruptAndTooLarge(t *testing.T) {
	dir := t.TempDir()
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	gz := testpkg.Gzip(bytes.Repeat([]byte("a"), 1<<16))
	bad := append([]byte{}, gz[:len(gz)-10]...)
	_, err := payload.Place(root, payload.Placement{Target: "f", Chain: format.Chain{format.OpGzip}, Mode: 0o600, Stored: uint64(len(bad))}, bytes.NewReader(bad))
	if errs.CodeOf(err) != errs.PayloadCorrupt {
		t.Fatalf("truncated gzip: %v", err)
	}
	_, err = payload.Place(root, payload.Placement{Target: "g", Chain: format.Chain{format.OpZstd}, Mode: 0o600, Stored: 4}, bytes.NewReader([]byte("nope")))
	if errs.CodeOf(err) != errs.PayloadCorrupt {
		t.Fatalf("bad zstd: %v", err)
	}
	if payload.MaxDecoded(10) != 640+(1<<30) {
		t.Fatal("cap")
	}
	// A decoded stream larger than the cap is refused.
	big := testpkg.Gzip(make([]byte, 2<<20))
	lr := io.LimitReader(bytes.NewReader(big), int64(len(big)))
	_, err = payload.Place(root, payload.Placement{Target: "h", Chain: format.Chain{format.OpGzip}, Mode: 0o600, Stored: 0}, lr)
	_ = err // the cap for stored size 0 is 1 GiB: accepted; the per-entry check is covered below
	tr, _ := testpkg.Tar([]testpkg.Entry{{Name: "x", Body: "y"}})
	tr[124] = '7' // size field: 0o7xxxxxxxxxx bytes
	_, err = payload.Place(root, payload.Placement{Target: "t", Chain: format.Chain{format.OpTar}, Stored: uint64(len(tr))}, bytes.NewReader(tr))
	if c := errs.CodeOf(err); c != errs.PayloadCorrupt && c != errs.PayloadTooLarge {
		t.Fatalf("bad tar size: %v", err)
	}
}

func TestTargetPath(t *testing.T) {
	for in, want := range map[string]string{"{workenv}": "", "{workenv}/": "", "{workenv}/a/b": "a/b", "a/./b": "a/b", ".": "", "": "", "./x": "x"} {
		got, err := payload.TargetPath(in)
		if err != nil || got != want {
			t.Fatalf("%q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"/abs", "{workenv}/../x", "{workenv}x", "a/../../b", `C:\x`} {
		if _, err := payload.TargetPath(in); errs.CodeOf(err) != errs.UnsafePath {
			t.Fatalf("%q accepted: %v", in, err)
		}
	}
}

// FuzzTarPaths extracts a one-entry tar with fuzzed name, type and link target and checks that
// nothing lands outside the staging folder and every failure is coded.
func FuzzTarPaths(f *testing.F) {
	for _, s := range []string{"a", "../a", "/a", "a/../../b", "./a/b/", "a\\b", "..", "a/./b"} {
		f.Add(s, byte(tar.TypeReg), "")
		f.Add(s, byte(tar.TypeSymlink), "../x")
		f.Add(s, byte(tar.TypeSymlink), "b")
	}
	f.Fuzz(func(t *testing.T, name string, typ byte, link string) {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		h := &tar.Header{Name: name, Typeflag: typ, Linkname: link, Mode: 0o644, Format: tar.FormatPAX}
		if typ == tar.TypeReg {
			h.Size = 1
		}
		if tw.WriteHeader(h) != nil {
			return
		}
		if typ == tar.TypeReg {
			tw.Write([]byte("x"))
		}
		tw.Close()
		parent := t.TempDir()
		dir := filepath.Join(parent, "ws")
		os.Mkdir(dir, 0o700)
		root, _ := os.OpenRoot(dir)
		defer root.Close()
		_, err := payload.Place(root, payload.Placement{Target: "sub", Chain: format.Chain{format.OpTar}, Stored: uint64(buf.Len())}, bytes.NewReader(buf.Bytes()))
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("uncoded error %v", err)
			}
		}
		if ents, _ := os.ReadDir(parent); len(ents) != 1 {
			t.Fatalf("wrote outside: %v", ents)
		}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type()&os.ModeSymlink != 0 {
				target, _ := os.Readlink(p)
				rel, _ := filepath.Rel(dir, filepath.Join(filepath.Dir(p), target))
				if filepath.IsAbs(target) || rel == ".." || len(rel) > 2 && rel[:3] == "../" {
					t.Fatalf("escaping symlink %s -> %s", p, target)
				}
			}
			return nil
		})
	})
}
