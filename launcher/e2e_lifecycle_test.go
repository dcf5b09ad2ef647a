//go:build unix

package main

// End-to-end tests of the slot lifecycles (docs/workenv.md, "Slot lifecycles") through the real launcher.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/testpkg"
)

// cacheCLI runs `<package> cache ARGS… --json` in the launcher's CLI mode and decodes its output.
func (f *fixture) cacheCLI(out any, args ...string) result {
	f.t.Helper()
	r := f.run([]string{"FLAVOR_LAUNCHER_CLI=1"}, "", append(append([]string{"cache"}, args...), "--json")...)
	if out != nil {
		if err := json.Unmarshal([]byte(r.stdout), out); err != nil {
			f.t.Fatalf("cache %v: %v %+v", args, err, r)
		}
	}
	return r
}

type cacheListing struct {
	Entries []struct {
		ID       string  `json:"id"`
		Version  *string `json:"version"`
		Complete bool    `json:"complete"`
	} `json:"entries"`
	Persistent []struct {
		Name string `json:"name"`
		Path string `json:"path"`
	} `json:"persistent"`
}

func (f *fixture) onlyWorkenv() string {
	f.t.Helper()
	var l cacheListing
	f.cacheCLI(&l, "list")
	if len(l.Entries) != 1 || !l.Entries[0].Complete {
		f.t.Fatalf("want one complete workenv: %+v", l)
	}
	return filepath.Join(f.cache, "workenv", l.Entries[0].ID)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func TestE2EInitSlotGoneAfterSetup(t *testing.T) {
	spec := testpkg.Simple("cat \"$FLAVOR_WORKENV/copied\"\n[ -e \"$FLAVOR_WORKENV/seed\" ] && echo seed-present || echo seed-gone\n")
	spec.Slots = append(spec.Slots, testpkg.Slot{ID: "seed", Target: "{workenv}/seed", Operations: "gzip", Data: []byte("seed-data\n"), Lifecycle: "init"})
	spec.Extra = map[string]any{"setup_commands": []any{"/bin/cp {workenv}/seed {workenv}/copied"}}
	f := newFixture(t, spec)
	for _, run := range []string{"cold", "warm"} {
		if r := f.run(nil, ""); r.code != 0 || r.stdout != "seed-data\nseed-gone\n" {
			t.Fatalf("%s: %+v", run, r)
		}
	}
}

func TestE2EVolatileFreshEveryRun(t *testing.T) {
	spec := testpkg.Simple("cat \"$FLAVOR_WORKENV/state.txt\"; ls \"$FLAVOR_WORKENV/vol\"\n" +
		"echo dirty > \"$FLAVOR_WORKENV/state.txt\"; echo x > \"$FLAVOR_WORKENV/vol/added\"\n")
	spec.Slots = append(spec.Slots,
		testpkg.Slot{ID: "state", Target: "{workenv}/state.txt", Operations: "gzip", Data: []byte("fresh\n"), Lifecycle: "volatile"},
		testpkg.Slot{ID: "vol", Target: "{workenv}/vol", Operations: "tgz", Lifecycle: "volatile", Entries: []testpkg.Entry{{Name: "a", Body: "a"}}})
	f := newFixture(t, spec)
	for i := 0; i < 3; i++ {
		if r := f.run(nil, ""); r.code != 0 || r.stdout != "fresh\na\n" {
			t.Fatalf("run %d: %+v", i, r)
		}
	}
	// Concurrent launches each refresh the folder; none fails on another's copy.
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			cmd := f.cmd(nil)
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				errs <- err.Error() + ": " + errb.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error("concurrent volatile refresh:", e)
	}
}

// tempSpec has a temp slot "scratch" (slot 1) and a script given the slot's path as $1.
func tempSpec(script string) testpkg.Spec {
	spec := testpkg.Simple(script)
	spec.Command = "/bin/sh {workenv}/run.sh {slot:1}"
	spec.Slots = append(spec.Slots, testpkg.Slot{ID: "scratch", Target: "{workenv}/scratch", Operations: "tgz", Lifecycle: "temp",
		Entries: []testpkg.Entry{{Name: "a.txt", Body: "temp-data"}}})
	return spec
}

func TestE2ETempFolderPerRun(t *testing.T) {
	f := newFixture(t, tempSpec("echo \"$FLAVOR_RUN_DIR\"\n[ \"$1\" = \"$FLAVOR_SLOT_SCRATCH\" ] || echo mismatch\n"+
		"cat \"$1/a.txt\"; echo; ls \"$1\"; echo mine > \"$1/mine\"\nexit 3\n"))
	var dirs []string
	for i := 0; i < 2; i++ {
		r := f.run(nil, "")
		lines := strings.Split(r.stdout, "\n")
		if r.code != 3 || len(lines) < 3 || lines[1] != "temp-data" || lines[2] != "a.txt" || len(lines) != 4 {
			t.Fatalf("run %d: %+v", i, r)
		}
		dirs = append(dirs, lines[0])
		if !strings.HasPrefix(lines[0], filepath.Join(f.cache, "workenv")) || exists(lines[0]) {
			t.Fatalf("run %d: per-run folder %s not removed at exit", i, lines[0])
		}
	}
	if dirs[0] == dirs[1] {
		t.Fatal("two runs shared a per-run folder")
	}
	if exists(filepath.Join(f.onlyWorkenv(), "scratch")) {
		t.Fatal("a temp slot was extracted into the workenv")
	}
}

// startTemp starts the package and returns the per-run folder and the app's pid it prints first.
func startTemp(t *testing.T, f *fixture) (*exec.Cmd, string, string) {
	cmd := f.cmd(nil)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 2 || !exists(lines[0]) {
		t.Fatalf("started: %v", lines)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return cmd, lines[0], lines[1]
}

func TestE2ETempFolderAfterSignal(t *testing.T) {
	f := newFixture(t, tempSpec("trap 'exit 9' TERM\necho \"$FLAVOR_RUN_DIR\"; echo $$\nwhile :; do sleep 0.05; done\n"))
	cmd, dir, _ := startTemp(t, f)
	cmd.Process.Signal(syscall.SIGTERM) // the launcher forwards it, waits, cleans up
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 9 {
		t.Fatalf("exit code after TERM: %v", err)
	}
	if exists(dir) {
		t.Fatal("per-run folder left after a signal")
	}

	// A launcher killed outright cannot clean up: its app still holds the per-run lock, so a later run
	// leaves the folder alone while the app lives and removes it once the app is gone.
	cmd, dir, pid := startTemp(t, f)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	other, otherDir, _ := startTemp(t, f)
	if !exists(dir) {
		t.Fatal("a later run removed the folder of a running app")
	}
	other.Process.Signal(syscall.SIGTERM)
	other.Wait()
	if exists(otherDir) {
		t.Fatal("per-run folder left")
	}
	p, err := strconv.Atoi(pid)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(p, syscall.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); syscall.Kill(p, 0) == nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	last, lastDir, _ := startTemp(t, f)
	last.Process.Signal(syscall.SIGTERM)
	last.Wait()
	if exists(dir) || exists(lastDir) {
		t.Fatal("the folder of a killed launcher was not swept once its app was gone")
	}
}

func cacheSpec() testpkg.Spec {
	spec := testpkg.Simple("cat \"$FLAVOR_WORKENV/models/w.bin\"\n")
	spec.Slots = append(spec.Slots, testpkg.Slot{ID: "models", Target: "{workenv}/models", Operations: "tgz", Lifecycle: "cache",
		Entries: []testpkg.Entry{{Name: "w.bin", Body: "weights"}}})
	return spec
}

func TestE2ECacheSlotTrimmedAndRestored(t *testing.T) {
	f := newFixture(t, cacheSpec())
	if r := f.run(nil, ""); r.stdout != "weights" {
		t.Fatalf("%+v", r)
	}
	w := f.onlyWorkenv()
	var trim struct {
		Results []struct {
			Status string   `json:"status"`
			Slots  []string `json:"slots"`
			Bytes  int64    `json:"bytes_freed"`
		} `json:"results"`
	}
	if r := f.cacheCLI(&trim, "trim", filepath.Base(w)); r.code != 0 || len(trim.Results) != 1 || trim.Results[0].Status != "trimmed" ||
		strings.Join(trim.Results[0].Slots, ",") != "models" || trim.Results[0].Bytes != 7 {
		t.Fatalf("trim: %+v", r)
	}
	if exists(filepath.Join(w, "models")) || !exists(filepath.Join(w, "run.sh")) || !exists(w+".ready") {
		t.Fatal("trim must delete the cache slot and only it")
	}
	r := f.run([]string{"FLAVOR_LOG_LEVEL=debug"}, "")
	if r.code != 0 || r.stdout != "weights" || !strings.Contains(r.stderr, "re-extracted cache slot 1") || strings.Contains(r.stderr, "extracting") {
		t.Fatalf("restore without a reinstall: %+v", r)
	}

	// Restoring checks the slot's stored bytes against the signed hash first.
	f.cacheCLI(&trim, "trim", filepath.Base(w))
	pkg, _ := os.ReadFile(f.pkg)
	chain, _ := format.ParseChain("tgz")
	stored, _ := testpkg.Encode(cacheSpec().Slots[1], chain)
	at := bytes.Index(pkg, stored)
	if at < 0 {
		t.Fatal("slot bytes not found")
	}
	pkg[at+len(stored)/2] ^= 0xff
	os.WriteFile(f.pkg, pkg, 0o755)
	if r := f.run(nil, ""); r.code == 0 || !strings.Contains(r.stderr, "CHECKSUM") || exists(filepath.Join(w, "models")) {
		t.Fatalf("tampered cache slot restored: %+v", r)
	}
}

func persistentSpec(version string, entries ...testpkg.Entry) testpkg.Spec {
	spec := testpkg.Simple("cat \"$FLAVOR_SLOT_CONF/settings.txt\"; ls \"$FLAVOR_SLOT_CONF\"\n" +
		"[ \"$1\" = edit ] && echo \"edited by $FLAVOR_VERSION\" >> \"$FLAVOR_SLOT_CONF/settings.txt\"\nexit 0\n")
	spec.Version = version
	spec.Slots = append(spec.Slots, testpkg.Slot{ID: "conf", Target: "{workenv}/conf", Operations: "tgz", Lifecycle: "persistent", Entries: entries})
	return spec
}

func TestE2EPersistentSurvivesUpdate(t *testing.T) {
	f := newFixture(t, persistentSpec("1.0", testpkg.Entry{Name: "settings.txt", Body: "default 1.0\n"}))
	if r := f.run(nil, "", "edit"); r.code != 0 || r.stdout != "default 1.0\nsettings.txt\n" {
		t.Fatalf("1.0 first run: %+v", r)
	}
	if r := f.run(nil, ""); r.stdout != "default 1.0\nedited by 1.0\nsettings.txt\n" {
		t.Fatalf("1.0 second run: %+v", r)
	}
	// Version 1.1 ships its own settings.txt and a new file: the edit wins, the new file is added.
	f.write(persistentSpec("1.1", testpkg.Entry{Name: "settings.txt", Body: "default 1.1\n"}, testpkg.Entry{Name: "new.txt", Body: "n"}), launcherBin)
	want := "default 1.0\nedited by 1.0\nnew.txt\nsettings.txt\n"
	if r := f.run(nil, ""); r.code != 0 || r.stdout != want {
		t.Fatalf("1.1 after the update: %+v", r)
	}
	store := filepath.Join(f.cache, "persistent", "hello")
	if b, _ := os.ReadFile(filepath.Join(store, "conf", "settings.txt")); string(b) != "default 1.0\nedited by 1.0\n" {
		t.Fatalf("store %s holds %q", store, b)
	}
	var l cacheListing
	f.cacheCLI(&l, "list")
	if len(l.Entries) != 2 || len(l.Persistent) != 1 || l.Persistent[0].Path != store || exists(filepath.Join(f.cache, "workenv", l.Entries[0].ID, "conf")) {
		t.Fatalf("two workenvs (1.0, 1.1) and one store outside them: %+v", l)
	}
	// Removing every workenv keeps the store; 1.1 reinstalled finds the data as it was.
	f.cacheCLI(nil, "remove", l.Entries[0].ID, l.Entries[1].ID)
	if r := f.run(nil, ""); r.stdout != want {
		t.Fatalf("after workenv removal: %+v", r)
	}
	var rm struct {
		Results []struct{ Status string } `json:"results"`
	}
	if r := f.cacheCLI(&rm, "remove-persistent", "hello"); r.code != 0 || len(rm.Results) != 1 || rm.Results[0].Status != "removed" || exists(store) {
		t.Fatalf("remove-persistent: %+v", r)
	}
	if r := f.run(nil, ""); r.stdout != "default 1.1\nnew.txt\nsettings.txt\n" {
		t.Fatalf("fresh store: %+v", r)
	}
}
