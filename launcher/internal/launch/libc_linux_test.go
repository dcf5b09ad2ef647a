package launch

import (
	"bytes"
	"flavorpack.dev/launcher/internal/format"
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

func TestHostLibcWithoutBannerUsesVersionDefinitions(t *testing.T) {
	libc, err := os.ReadFile(hostLibcPath(t))
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(string(libc), "GNU C Library")
	if at < 0 {
		t.Fatal("the host libc.so.6 has no banner")
	}
	copy(libc[at:], "XXX")
	got := HostLibc(fakeRoot(t, map[string][]byte{"lib64/libc.so.6": libc}))
	host := HostLibc("/")
	v, ok := format.ParseGlibcVersion(got.Version)
	want, _ := format.ParseGlibcVersion(host.Version)
	if got.Kind != "glibc" || !ok || v.Compare(want) > 0 || v[0] != 2 {
		t.Fatalf("without the banner: %+v (the banner says %s)", got, host.Version)
	}
}

// Random bytes over the ELF header, the section headers (end of file) and the version definitions of a
// copy of this machine's libc: HostLibc returns some answer, never panics or hangs.
func TestHostLibcDamagedCopies(t *testing.T) {
	libc, err := os.ReadFile(hostLibcPath(t))
	if err != nil {
		t.Fatal(err)
	}
	root := fakeRoot(t, map[string][]byte{"lib64/libc.so.6": libc})
	path := filepath.Join(root, "lib64", "libc.so.6")
	verdef := bytes.Index(libc, []byte("GLIBC_2.2.5")) // inside .dynstr, near the version tables
	seed := uint32(13)
	next := func(n int) int { seed = seed*1664525 + 1013904223; return int(seed>>8) % n }
	for round := 0; round < 200; round++ {
		b := append([]byte(nil), libc...)
		for k := 0; k < 6; k++ {
			switch next(3) {
			case 0:
				b[next(64)] = byte(next(256))
			case 1:
				b[len(b)-1-next(4096)] = byte(next(256))
			default:
				b[max(0, verdef-0x10000+next(0x20000))] = byte(next(256))
			}
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, enough := range []format.GlibcVersion{nil, {2, 17}, {9, 0}} {
			if got := hostLibc(root, enough); got.Kind == "glibc" {
				if _, ok := format.ParseGlibcVersion(got.Version); !ok {
					t.Fatalf("round %d: version %q", round, got.Version)
				}
			}
		}
	}
}

// The Debian 11 root of scripts/setup-old-userland.sh: glibc 2.31, whose libc.so.6 defines only up to
// GLIBC_2.30 (the banner gives the release).
func TestHostLibcBullseyeRoot(t *testing.T) {
	root := "../../../.cache/userland/bullseye-" + runtime.GOARCH
	if _, err := os.Stat(filepath.Join(root, ".complete")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: CI builds it (bash scripts/setup-old-userland.sh)", root)
		}
		t.Skipf("%s is missing (bash scripts/setup-old-userland.sh builds it)", root)
	}
	if got := HostLibc(root); got.Kind != "glibc" || got.Version != "2.31" {
		t.Fatalf("HostLibc(bullseye) = %+v, want glibc 2.31", got)
	}
	// The launch path stops at the version definitions when they reach the requirement …
	if got := hostLibc(root, format.GlibcVersion{2, 17}); got.Version != "2.30" {
		t.Fatalf("hostLibc(bullseye, 2.17) = %+v, want the defined 2.30", got)
	}
	// … and reads the banner when they do not, so the message names the release.
	if got := hostLibc(root, format.GlibcVersion{2, 31}); got.Version != "2.31" {
		t.Fatalf("hostLibc(bullseye, 2.31) = %+v, want the banner's 2.31", got)
	}
	if err := CheckGlibc("2.31", hostLibc(root, format.GlibcVersion{2, 31}), t.Logf); err != nil {
		t.Fatalf("a package that needs 2.31 is refused on 2.31: %v", err)
	}
}

// The glibc check on every launch of a package that names a glibc: this machine's libc.so.6, whose
// version definitions reach the requirement (the warm path).
func BenchmarkCheckMachineGlibc(b *testing.B) {
	for b.Loop() {
		if err := CheckMachineGlibc("2.17", func(string, ...any) {}); err != nil {
			b.Fatal(err)
		}
	}
}

// HostLibc as `info` uses it: the banner is searched too.
func BenchmarkHostLibcBanner(b *testing.B) {
	for b.Loop() {
		if HostLibc("/").Kind != "glibc" {
			b.Fatal("no glibc")
		}
	}
}
