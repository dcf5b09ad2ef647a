package launch

import (
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
)

// Setup file operations go through a handle on the workenv: links that lead outside (a chain like
// d/l -> .. with e -> d/l/.., or a plain ".." link a setup command made) are refused, nothing outside
// is written or changed.
func TestSetupFileOpsCannotLeaveTheWorkenv(t *testing.T) {
	parent := t.TempDir()
	w := filepath.Join(parent, "workenv")
	os.MkdirAll(filepath.Join(w, "d"), 0o755)
	os.Symlink("..", filepath.Join(w, "d", "l"))
	os.Symlink("d/l/..", filepath.Join(w, "e")) // lexically "d", on disk the parent
	os.Symlink("..", filepath.Join(w, "up"))
	os.Symlink("../victim", filepath.Join(w, "f"))
	victim := filepath.Join(parent, "victim")
	os.WriteFile(victim, []byte("untouched"), 0o644)
	s := &Setup{Ph: Placeholders{Workenv: w, PackageName: "pk"}, Env: NewEnvMap(os.Environ()), Out: os.Stderr}
	cmds := []string{
		`{"type":"write_file","path":"{workenv}/e/evil","content":"x"}`,
		`{"type":"write_file","path":"{workenv}/up/evil","content":"x"}`,
		`{"type":"write_file","path":"{workenv}/f","content":"x"}`,
		`{"type":"write_file","path":"{workenv}/e/new/evil","content":"x"}`,
		`{"type":"chmod","path":"{workenv}/e/victim","mode":"777"}`,
		`{"type":"chmod","path":"{workenv}/f","mode":"777"}`,
		`{"type":"chmod","path":"{workenv}/up/*","mode":"777"}`,
		`{"type":"enumerate_and_execute","command":"/bin/rm -f","enumerate":{"path":"{workenv}/e","pattern":"*"}}`,
	}
	for _, c := range cmds {
		parsed, err := ParseSetup(toRaw([]string{c}))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Run(parsed); errs.CodeOf(err) != errs.UnsafePath {
			t.Errorf("%s: got %v, want UNSAFE_PATH", c, err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "untouched" {
		t.Fatalf("victim changed: %q", b)
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
		t.Fatalf("victim mode changed: %v", fi.Mode())
	}
	for _, p := range []string{"evil", "new"} {
		if _, err := os.Lstat(filepath.Join(parent, p)); err == nil {
			t.Fatalf("%s was written outside the workenv", p)
		}
	}
}

// Links that stay inside still work for every operation.
func TestSetupFileOpsFollowLinksInside(t *testing.T) {
	w := t.TempDir()
	os.MkdirAll(filepath.Join(w, "real", "bin"), 0o755)
	os.Symlink("real", filepath.Join(w, "alias"))
	os.WriteFile(filepath.Join(w, "real", "bin", "tool"), nil, 0o644)
	s := &Setup{Ph: Placeholders{Workenv: w, PackageName: "pk"}, Env: NewEnvMap(os.Environ()), Out: os.Stderr}
	cmds, _ := ParseSetup(toRaw([]string{
		`{"type":"write_file","path":"{workenv}/alias/conf/x.cfg","content":"{package_name}","mode":"600"}`,
		`{"type":"chmod","path":"{workenv}/alias/bin/*","mode":"755"}`,
		`{"type":"enumerate_and_execute","command":"/bin/chmod 700","enumerate":{"path":"{workenv}/alias/conf","pattern":"*.cfg"}}`,
	}))
	if err := s.Run(cmds); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(w, "real", "conf", "x.cfg")); string(b) != "pk" {
		t.Fatalf("write_file through an inside link: %q", b)
	}
	if fi, _ := os.Stat(filepath.Join(w, "real", "conf", "x.cfg")); fi.Mode().Perm() != 0o700 {
		t.Fatalf("enumerate_and_execute: mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(w, "real", "bin", "tool")); fi.Mode().Perm() != 0o755 {
		t.Fatalf("chmod through an inside link: mode %v", fi.Mode())
	}
}
