package launch

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostLibcPath is the libc.so.6 HostLibc reads on this machine.
func hostLibcPath(t *testing.T) string {
	t.Helper()
	got := HostLibc("/")
	if got.Kind != "glibc" {
		t.Fatalf("HostLibc(/) = %+v; the test machines run glibc", got)
	}
	return got.Path
}

func TestHostLibcMatchesGetconf(t *testing.T) {
	out, err := exec.Command("getconf", "GNU_LIBC_VERSION").Output()
	if err != nil {
		t.Fatalf("getconf GNU_LIBC_VERSION (libc-bin): %v", err)
	}
	want := strings.TrimPrefix(strings.TrimSpace(string(out)), "glibc ")
	if got := HostLibc("/"); got.Kind != "glibc" || got.Version != want {
		t.Fatalf("HostLibc(/) = %+v, getconf says glibc %s", got, want)
	}
}

// fakeRoot builds a root folder holding files (path → content) and returns it.
func fakeRoot(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestHostLibcInRoots(t *testing.T) {
	libc, err := os.ReadFile(hostLibcPath(t))
	if err != nil {
		t.Fatal(err)
	}
	host := HostLibc("/")
	otherMachine := append([]byte(nil), libc...)
	otherMachine[18], otherMachine[19] = 0xb7, 0x00 // e_machine = EM_AARCH64 (amd64) …
	if runtime.GOARCH == "arm64" {
		otherMachine[18] = 0x3e // … or EM_X86_64 (arm64)
	}
	musl := []byte("musl loader")
	cases := []struct {
		name  string
		files map[string][]byte
		want  Libc
	}{
		{"a lib64 system (RHEL)", map[string][]byte{"lib64/libc.so.6": libc}, Libc{Kind: "glibc", Version: host.Version}},
		{"a lib system (Arch)", map[string][]byte{"usr/lib/libc.so.6": libc}, Libc{Kind: "glibc", Version: host.Version}},
		{"musl (Alpine)", map[string][]byte{"lib/ld-musl-x86_64.so.1": musl}, Libc{Kind: "musl"}},
		{"no C library", map[string][]byte{"etc/hostname": []byte("box")}, Libc{}},
		{"empty libc.so.6", map[string][]byte{"lib64/libc.so.6": nil}, Libc{}},
		{"truncated libc.so.6", map[string][]byte{"lib64/libc.so.6": libc[:4096]}, Libc{}},
		{"header only", map[string][]byte{"lib64/libc.so.6": libc[:64]}, Libc{}},
		{"not ELF", map[string][]byte{"lib64/libc.so.6": []byte("/* GNU ld script */ GROUP ( libc.so.6 )")}, Libc{}},
		{"another CPU's libc", map[string][]byte{"lib64/libc.so.6": otherMachine}, Libc{}},
		{"a damaged glibc next to musl", map[string][]byte{"lib64/libc.so.6": libc[:4096], "lib/ld-musl-aarch64.so.1": musl}, Libc{Kind: "musl"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := HostLibc(fakeRoot(t, c.files))
			if got.Kind != c.want.Kind || got.Version != c.want.Version {
				t.Fatalf("HostLibc = %+v, want %s %s", got, c.want.Kind, c.want.Version)
			}
		})
	}
}

func TestCheckGlibcMessages(t *testing.T) {
	err := CheckGlibc("2.36", Libc{Kind: "glibc", Version: "2.31", Path: "/lib/x86_64-linux-gnu/libc.so.6"}, t.Logf)
	if err == nil || err.Error() != "this package needs glibc ≥ 2.36, this machine has glibc 2.31" {
		t.Fatalf("older glibc: %v", err)
	}
	err = CheckGlibc("2.17", Libc{Kind: "musl", Path: "/lib/ld-musl-x86_64.so.1"}, t.Logf)
	if err == nil || !strings.Contains(err.Error(), "this machine has musl libc") {
		t.Fatalf("musl: %v", err)
	}
	var logged []string
	logf := func(f string, a ...any) { logged = append(logged, f) }
	if err := CheckGlibc("2.36", Libc{}, logf); err != nil || len(logged) != 1 || !strings.Contains(logged[0], "skipped") {
		t.Fatalf("unknown C library: err %v, debug log %q", err, logged)
	}
}
