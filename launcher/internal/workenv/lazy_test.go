package workenv

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/logx"
	"flavorpack.dev/launcher/internal/testpkg"
	"flavorpack.dev/launcher/internal/verify"
)

// lazySpec: a runtime app slot, a lazy folder slot "models" and a lazy single-file slot "blob".
func lazySpec() testpkg.Spec {
	return testpkg.Spec{Slots: []testpkg.Slot{
		{ID: "app", Target: "{workenv}", Operations: "tgz", Entries: []testpkg.Entry{{Name: "run.sh", Body: "echo\n", Mode: 0o755}}},
		{ID: "models", Target: "{workenv}/models", Operations: "tgz", Lifecycle: "lazy", Entries: []testpkg.Entry{
			{Name: "weights.bin", Body: strings.Repeat("w", 100_000)}, {Name: "sub/config.json", Body: `{"k": 1}`},
		}},
		{ID: "blob", Target: "{workenv}/data/blob.txt", Operations: "gzip", Lifecycle: "LAZY", Data: []byte("lazy blob\n")},
	}}
}

// readLog records which byte ranges of the package were read.
type readLog struct {
	r     *bytes.Reader
	mu    sync.Mutex
	reads [][2]int64
}

func (l *readLog) ReadAt(b []byte, off int64) (int, error) {
	l.mu.Lock()
	l.reads = append(l.reads, [2]int64{off, off + int64(len(b))})
	l.mu.Unlock()
	return l.r.ReadAt(b, off)
}

// touched reports whether any read overlapped [start, end).
func (l *readLog) touched(start, end int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.reads {
		if r[0] < end && start < r[1] {
			return true
		}
	}
	return false
}

// lazyInstaller is newInstaller over a package whose reads are recorded, with its own cache handles.
func lazyInstaller(t *testing.T, pkg []byte, cacheRoot string) (*Installer, *readLog, *bytes.Buffer) {
	t.Helper()
	rl := &readLog{r: bytes.NewReader(pkg)}
	p, err := verify.Decode(rl, int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	c := &Cache{Root: cacheRoot, Dir: filepath.Join(cacheRoot, "workenv")}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var log bytes.Buffer
	in := &Installer{Cache: c, Pkg: p, ID: Identity(p.Meta.Package.Name, p.Meta.Package.Version, p.SignedSHA256),
		LauncherVersion: "test", Log: &logx.Logger{Prog: "t", Level: logx.Debug, W: &syncWriter{w: &log}}}
	return in, rl, &log
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func buildPkg(t *testing.T, s testpkg.Spec) []byte {
	t.Helper()
	b, err := testpkg.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes
}

// The install reads not one byte of a lazy slot and places nothing of it; EnsureSlot then extracts it,
// writes its marker, and a second request reads nothing more.
func TestLazySlotIsNotReadAtInstallAndExtractedOnRequest(t *testing.T) {
	in, rl, _ := lazyInstaller(t, buildPkg(t, lazySpec()), filepath.Join(t.TempDir(), "cache"))
	lk, cold, err := in.Ensure()
	if err != nil || !cold {
		t.Fatal(err, cold)
	}
	defer lk.Close()
	for _, i := range []int{1, 2} {
		s := in.Pkg.Slots[i]
		if rl.touched(int64(s.Offset), int64(s.Offset+s.Size)) {
			t.Fatalf("the install read bytes of lazy slot %d", i)
		}
	}
	if s := in.Pkg.Slots[0]; !rl.touched(int64(s.Offset), int64(s.Offset+s.Size)) {
		t.Fatal("the read log missed the runtime slot: the check above proves nothing")
	}
	w := in.Workenv()
	for _, p := range []string{"models", "data", LazyDir} {
		if _, err := os.Lstat(filepath.Join(w, p)); !os.IsNotExist(err) {
			t.Fatalf("%s exists after install: %v", p, err)
		}
	}
	if in.LazyReady(1) {
		t.Fatal("lazy slot reported ready before any request")
	}

	path, err := in.EnsureSlot(1)
	if err != nil || path != filepath.Join(w, "models") {
		t.Fatal(path, err)
	}
	if b, _ := os.ReadFile(filepath.Join(path, "sub", "config.json")); string(b) != `{"k": 1}` {
		t.Fatalf("config.json: %q", b)
	}
	if !in.LazyReady(1) || in.LazyReady(2) {
		t.Fatal("ready states after extracting slot 1")
	}
	var m LazyMarker
	b, _ := os.ReadFile(filepath.Join(w, LazyDir, "1.ready"))
	if err := json.Unmarshal(b, &m); err != nil || m.ID != "models" || m.Path != path || m.Marker != LazyMarkerFormat {
		t.Fatalf("marker %s: %v", b, err)
	}
	blob, err := in.EnsureSlot(2)
	if b, _ := os.ReadFile(blob); err != nil || string(b) != "lazy blob\n" {
		t.Fatalf("blob %q: %v", b, err)
	}
	rl.reads = nil
	if again, err := in.EnsureSlot(1); err != nil || again != path || len(rl.reads) != 0 {
		t.Fatalf("second request: %s %v, %d reads", again, err, len(rl.reads))
	}
	if p, err := in.EnsureSlot(0); err != nil || p != w {
		t.Fatalf("runtime slot: %s %v", p, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(w, LazyDir, "*staging*"))
	if len(leftovers) != 0 {
		t.Fatalf("staging left: %v", leftovers)
	}
}

// 16 requests at once, each with its own handles and lock file descriptors: exactly one extraction,
// every request gets the path.
func TestLazySlotConcurrentRequestsExtractOnce(t *testing.T) {
	pkg := buildPkg(t, lazySpec())
	cache := filepath.Join(t.TempDir(), "cache")
	first, _, _ := lazyInstaller(t, pkg, cache)
	lk, _, err := first.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	lk.Close()
	const n = 16
	var wg sync.WaitGroup
	paths := make([]string, n)
	errors := make([]error, n)
	logs := make([]*bytes.Buffer, n)
	start := make(chan struct{})
	for k := 0; k < n; k++ {
		in, _, log := lazyInstaller(t, pkg, cache)
		in.AfterSlot = func(int) { time.Sleep(300 * time.Millisecond) } // every request arrives meanwhile
		logs[k] = log
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			<-start
			lk, _, err := in.Ensure()
			if err != nil {
				errors[k] = err
				return
			}
			defer lk.Close()
			paths[k], errors[k] = in.EnsureSlot(1)
		}(k)
	}
	close(start)
	wg.Wait()
	extractions := 0
	for k := 0; k < n; k++ {
		if errors[k] != nil || paths[k] != filepath.Join(first.Workenv(), "models") {
			t.Fatalf("request %d: %q %v", k, paths[k], errors[k])
		}
		extractions += strings.Count(logs[k].String(), "extracting lazy slot 1")
	}
	if extractions != 1 {
		t.Fatalf("%d extractions, want 1", extractions)
	}
	if b, _ := os.ReadFile(filepath.Join(paths[0], "weights.bin")); len(b) != 100_000 {
		t.Fatalf("weights.bin: %d bytes", len(b))
	}
}

// A lazy slot whose stored bytes were changed: the install does not notice (it never reads them), the
// request fails with SLOT_CHECKSUM before anything is written beyond the slot's lock, and stays failing.
func TestTamperedLazySlotWritesNothing(t *testing.T) {
	s := lazySpec()
	pkg := buildPkg(t, s)
	built, _ := testpkg.Build(s)
	p, _ := verify.Decode(bytes.NewReader(built.Bytes), int64(len(built.Bytes)))
	garbage := bytes.Repeat([]byte{0x5a}, int(p.Slots[1].Size))
	if err := testpkg.ReplaceSlot(pkg, 1, garbage); err != nil {
		t.Fatal(err)
	}
	in, _, _ := lazyInstaller(t, pkg, filepath.Join(t.TempDir(), "cache"))
	lk, _, err := in.Ensure()
	if err != nil {
		t.Fatalf("install of a package with a tampered lazy slot: %v", err)
	}
	defer lk.Close()
	before := listTree(t, in.Workenv())
	for attempt := 0; attempt < 2; attempt++ {
		if _, err := in.EnsureSlot(1); errs.CodeOf(err) != errs.SlotChecksum {
			t.Fatalf("got %v, want SLOT_CHECKSUM", err)
		}
	}
	after := listTree(t, in.Workenv())
	want := append(append([]string{}, before...), LazyDir+"/", LazyDir+"/1.lock")
	sort.Strings(want)
	if strings.Join(after, ",") != strings.Join(want, ",") {
		t.Fatalf("tree after the refused request:\n%v\nwant\n%v", after, want)
	}
	if _, err := in.EnsureSlot(2); err != nil { // the other lazy slot is intact and still works
		t.Fatal(err)
	}
}

// A crash during an extraction leaves a staging folder and maybe part of the target, but no marker: the
// next request cleans up and extracts again.
func TestLazySlotRecoversFromACrashedExtraction(t *testing.T) {
	in, _, _ := lazyInstaller(t, buildPkg(t, lazySpec()), filepath.Join(t.TempDir(), "cache"))
	lk, _, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	w := in.Workenv()
	os.MkdirAll(filepath.Join(w, LazyDir, "1.staging-dead", "models"), 0o700)
	os.MkdirAll(filepath.Join(w, "models"), 0o755) // moved into place, then the crash: no marker
	os.WriteFile(filepath.Join(w, "models", "half.bin"), []byte("partial"), 0o644)
	os.WriteFile(filepath.Join(w, LazyDir, "1.moving"), []byte("models\n"), 0o600)
	path, err := in.EnsureSlot(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(path, "half.bin")); !os.IsNotExist(err) {
		t.Fatal("the partial leftover survived")
	}
	for _, name := range []string{"1.staging-dead", "1.moving"} {
		if _, err := os.Lstat(filepath.Join(w, LazyDir, name)); !os.IsNotExist(err) {
			t.Fatalf("%s survived", name)
		}
	}
	// A deleted target with its marker still there is extracted again, not trusted.
	os.RemoveAll(path)
	if in.LazyReady(1) {
		t.Fatal("ready without its folder")
	}
	if _, err := in.EnsureSlot(1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(path, "weights.bin")); err != nil {
		t.Fatal(err)
	}
}

func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out
}

// A lazy slot is never merged into, nor replaces, what the install placed: a target that exists is refused
// (UNSAFE_PATH) and the existing files stay as they are.
func TestLazySlotNeverReplacesInstalledFiles(t *testing.T) {
	s := lazySpec()
	s.Slots[0].Entries = append(s.Slots[0].Entries, testpkg.Entry{Name: "models/own.txt", Body: "installed"})
	in, _, _ := lazyInstaller(t, buildPkg(t, s), filepath.Join(t.TempDir(), "cache"))
	lk, _, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if _, err := in.EnsureSlot(1); errs.CodeOf(err) != errs.UnsafePath || !strings.Contains(err.Error(), "would replace models") {
		t.Fatalf("got %v, want UNSAFE_PATH", err)
	}
	if b, _ := os.ReadFile(filepath.Join(in.Workenv(), "models", "own.txt")); string(b) != "installed" {
		t.Fatalf("the installed file was changed: %q", b)
	}
	if names, _ := os.ReadDir(filepath.Join(in.Workenv(), LazyDir)); len(names) != 1 || names[0].Name() != "1.lock" {
		t.Fatalf(".flavor-lazy holds %v", names)
	}
}
