package workenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/logx"
	"flavorpack.dev/launcher/internal/testpkg"
	"flavorpack.dev/launcher/internal/verify"
)

func TestIdentity(t *testing.T) {
	var h [32]byte
	h[0], h[7] = 0xab, 0x01
	if got := Identity("my app/ü", ".1.0", h); got != "my_app___-_1.0-ab00000000000001" {
		t.Fatal(got)
	}
	long := strings.Repeat("x", 100)
	if got := Identity(long, "1", h); len(got) != 64+1+1+1+16 {
		t.Fatal(len(got))
	}
	if !LooksLikeIdentity("hello-1.0.0-0123456789abcdef") || LooksLikeIdentity("random") || LooksLikeIdentity(".x-1-0123456789abcdef") {
		t.Fatal("pattern")
	}
}

func TestResolveRoot(t *testing.T) {
	env := func(m map[string]string) Getenv { return func(k string) string { return m[k] } }
	c, err := ResolveRoot(env(map[string]string{"FLAVOR_CACHE": "rel", "XDG_CACHE_HOME": "/x", "HOME": "/h"}))
	if err != nil || !filepath.IsAbs(c.Root) || c.Rule != "FLAVOR_CACHE" || c.Dir != filepath.Join(c.Root, "workenv") {
		t.Fatal(c, err)
	}
	if c, _ := ResolveRoot(env(map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/h"})); c.Root != "/x/flavor" {
		t.Fatal(c.Root)
	}
	if c, _ := ResolveRoot(env(map[string]string{"XDG_CACHE_HOME": "relative", "HOME": "/h"})); c.Root != "/h/.cache/flavor" {
		t.Fatal(c.Root)
	}
}

func TestPrepareRefusesUnsafeRoot(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	c := &Cache{Root: open, Dir: filepath.Join(open, "workenv")}
	if err := c.Prepare(); errs.CodeOf(err) != errs.CacheUnsafe {
		t.Fatalf("world-writable root: %v", err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(dir, link)
	c = &Cache{Root: link, Dir: filepath.Join(link, "workenv")}
	if err := c.Prepare(); errs.CodeOf(err) != errs.CacheUnsafe {
		t.Fatalf("symlinked root: %v", err)
	}
	c = &Cache{Root: filepath.Join(dir, "new", "root")}
	c.Dir = filepath.Join(c.Root, "workenv")
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(c.Root); fi.Mode().Perm() != 0o700 {
		t.Fatal(fi.Mode())
	}
}

// TestLockHelper is a child process for the lock tests: it takes a lock and holds it.
func TestLockHelper(t *testing.T) {
	path := os.Getenv("FLAVOR_TEST_LOCK")
	if path == "" {
		t.Skip("helper")
	}
	l, err := Acquire(openDir(t, filepath.Dir(path)), filepath.Base(path), os.Getenv("FLAVOR_TEST_LOCK_MODE") == "ex", time.Second)
	if err != nil {
		os.Exit(3)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(2 * time.Second)
	l.Close()
	os.Exit(0)
}

// openDir opens a directory handle for the lock and marker functions.
func openDir(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func holdLock(t *testing.T, path, mode string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelper$")
	cmd.Env = append(os.Environ(), "FLAVOR_TEST_LOCK="+path, "FLAVOR_TEST_LOCK_MODE="+mode)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("helper: %q %v", buf, err)
	}
	return cmd
}

func TestLockBetweenProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	dir := openDir(t, filepath.Dir(path))
	child := holdLock(t, path, "sh")
	if l, err := TryAcquire(dir, "x.lock", false); err != nil {
		t.Fatalf("shared + shared: %v", err)
	} else {
		l.Close()
	}
	if _, err := TryAcquire(dir, "x.lock", true); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("exclusive while shared held: %v", err)
	}
	if !inUse(dir, "x.lock") {
		t.Fatal("inUse false while held")
	}
	start := time.Now()
	l, err := Acquire(dir, "x.lock", true, 10*time.Second) // waits for the child to exit
	if err != nil || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("blocking exclusive: %v after %v", err, time.Since(start))
	}
	l.Close()
	child.Wait()

	child = holdLock(t, path, "ex")
	if _, err := Acquire(dir, "x.lock", false, 200*time.Millisecond); errs.CodeOf(err) != errs.CacheBusy {
		t.Fatalf("timeout: %v", err)
	}
	child.Wait()
}

func TestLockFileReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	dir := openDir(t, filepath.Dir(path))
	l, err := Acquire(dir, "x.lock", true, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path) // as a remover does while holding the lock
	l.Close()
	l2, err := Acquire(dir, "x.lock", false, time.Second)
	if err != nil || !l2.current() {
		t.Fatal(err)
	}
	l2.Close()
}

func newInstaller(t *testing.T, spec testpkg.Spec) *Installer {
	t.Helper()
	b, err := testpkg.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := verify.Decode(bytes.NewReader(b.Bytes), int64(len(b.Bytes)))
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "cache")
	c := &Cache{Root: root, Dir: filepath.Join(root, "workenv")}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	return &Installer{Cache: c, Pkg: p, ID: Identity(p.Meta.Package.Name, p.Meta.Package.Version, p.SignedSHA256),
		LauncherVersion: "test", Log: &logx.Logger{Prog: "t", Level: logx.Debug, W: &log}}
}

func spec() testpkg.Spec {
	return testpkg.Spec{
		Slots: []testpkg.Slot{
			{ID: "app", Target: "{workenv}", Operations: "tgz", Entries: []testpkg.Entry{{Name: "bin/run", Body: "#!/bin/sh\necho\n", Mode: 0o755}, {Name: "lib/x", Body: "x"}}},
			{ID: "seed", Target: "{workenv}/init-data", Operations: "raw", Data: []byte("once"), Lifecycle: "init"},
			{ID: "vol", Target: "{workenv}/state.txt", Operations: "gzip", Data: []byte("fresh"), Lifecycle: "volatile"},
		},
		Extra: map[string]any{"workenv": map[string]any{"directories": []any{map[string]any{"path": "{workenv}/tmp", "mode": "0750"}}}},
	}
}

func TestInstallAndWarm(t *testing.T) {
	in := newInstaller(t, spec())
	lk, cold, err := in.Ensure()
	if err != nil || !cold {
		t.Fatal(err, cold)
	}
	lk.Close()
	w := in.Workenv()
	if _, err := os.Stat(filepath.Join(w, "init-data")); !os.IsNotExist(err) {
		t.Fatal("init slot not removed")
	}
	if fi, err := os.Stat(filepath.Join(w, "tmp")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatal("workenv.directories", err)
	}
	m, err := ReadMarker(in.Cache.dir, in.markerName())
	if err != nil || strings.Join(m.Entries, ",") != "bin,lib,state.txt,tmp" || !m.Matches(in.ID, in.Pkg.SignedSHA256) {
		t.Fatalf("marker %+v %v", m, err)
	}
	os.WriteFile(filepath.Join(w, "state.txt"), []byte("stale"), 0o600)
	lk, cold, err = in.Ensure()
	if err != nil || cold {
		t.Fatal("warm", err, cold)
	}
	if err := in.RefreshVolatile(); err != nil {
		t.Fatal(err)
	}
	lk.Close()
	if b, _ := os.ReadFile(filepath.Join(w, "state.txt")); string(b) != "fresh" {
		t.Fatal("volatile not refreshed", string(b))
	}
}

func TestReinstallWhenDamaged(t *testing.T) {
	in := newInstaller(t, spec())
	lk, _, _ := in.Ensure()
	lk.Close()
	w := in.Workenv()
	damage := map[string]func(){
		"deleted entry": func() { os.RemoveAll(filepath.Join(w, "lib")) },
		"forged marker": func() {
			m, _ := ReadMarker(in.Cache.dir, in.markerName())
			m.MetadataSHA256 = strings.Repeat("0", 64)
			b, _ := json.Marshal(m)
			os.WriteFile(w+".ready", b, 0o600)
		},
		"garbage marker":   func() { os.WriteFile(w+".ready", []byte("{"), 0o600) },
		"tree is symlink":  func() { os.RemoveAll(w); os.Symlink(t.TempDir(), w) },
		"leftover staging": func() { os.Remove(w + ".ready"); os.MkdirAll(w+".staging-dead/bin", 0o700) },
	}
	for name, fn := range damage {
		fn()
		lk, cold, err := in.Ensure()
		if err != nil || !cold {
			t.Fatalf("%s: %v cold=%v", name, err, cold)
		}
		lk.Close()
		if _, err := os.Stat(filepath.Join(w, "lib", "x")); err != nil {
			t.Fatalf("%s: not healed", name)
		}
		ents, _ := os.ReadDir(in.Cache.Dir)
		for _, e := range ents {
			if strings.Contains(e.Name(), ".staging-") || strings.Contains(e.Name(), ".removing-") {
				t.Fatalf("%s: leftover %s", name, e.Name())
			}
		}
	}
}

func TestFailedInstallLeavesNoMarker(t *testing.T) {
	in := newInstaller(t, spec())
	in.Setup = func(string) error { return errs.New(errs.IOError, "setup failed") }
	if _, _, err := in.Ensure(); err == nil {
		t.Fatal("expected failure")
	}
	if _, err := os.Stat(in.Workenv() + ".ready"); !os.IsNotExist(err) {
		t.Fatal("marker written after a failed setup")
	}
	ents, _ := os.ReadDir(in.Cache.Dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".staging-") {
			t.Fatal("staging left behind")
		}
	}
	in.Setup = nil
	if lk, cold, err := in.Ensure(); err != nil || !cold {
		t.Fatal(err)
	} else {
		lk.Close()
	}
}

func TestListAndRemove(t *testing.T) {
	in := newInstaller(t, spec())
	lk, _, _ := in.Ensure()
	c := in.Cache
	os.Mkdir(filepath.Join(c.Dir, "stranger"), 0o700)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "precious"), []byte("x"), 0o600)
	os.Symlink(outside, filepath.Join(in.Workenv(), "userlink"))
	entries, err := c.List()
	if err != nil || len(entries) != 2 {
		t.Fatal(entries, err)
	}
	e := entries[0]
	if e.ID != in.ID || !e.Complete || !e.InUse || e.Unknown || e.SizeBytes == 0 || e.LastUsed == nil || *e.Name != "hello" {
		t.Fatalf("%+v", e)
	}
	if !entries[1].Unknown {
		t.Fatal("stranger not unknown")
	}
	if r := c.Remove(in.ID); r.Status != "in_use" {
		t.Fatal(r)
	}
	lk.Close()
	if r := c.Remove(in.ID); r.Status != "removed" || r.BytesFreed == 0 {
		t.Fatal(r)
	}
	if _, err := os.Stat(filepath.Join(outside, "precious")); err != nil {
		t.Fatal("removal followed a symlink")
	}
	if r := c.Remove(in.ID); r.Status != "not_found" {
		t.Fatal(r)
	}
	if r := c.Remove("../x"); r.Status != "error" {
		t.Fatal(r)
	}
	if r := c.Remove("stranger"); r.Status != "removed" {
		t.Fatal(r)
	}
	if entries, _ := c.List(); len(entries) != 0 {
		t.Fatal(entries)
	}
}

func TestSetupRunsInStagingAndShebangsAreRewritten(t *testing.T) {
	in := newInstaller(t, spec())
	var seen string
	in.Setup = func(staging string) error {
		seen = staging
		script := "#!" + staging + "/bin/python -E\nprint('" + staging + "')\n"
		return os.WriteFile(filepath.Join(staging, "bin", "tool"), []byte(script), 0o755)
	}
	lk, _, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	lk.Close()
	if !strings.Contains(seen, ".staging-") {
		t.Fatalf("setup ran in %s", seen)
	}
	b, _ := os.ReadFile(filepath.Join(in.Workenv(), "bin", "tool"))
	want := "#!" + in.Workenv() + "/bin/python -E\nprint('" + seen + "')\n"
	if string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
	if fi, _ := os.Stat(filepath.Join(in.Workenv(), "bin", "tool")); fi.Mode().Perm() != 0o755 {
		t.Fatal(fi.Mode())
	}
}
