//go:build unix

package main

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/launch"
	"flavorpack.dev/launcher/internal/testpkg"
)

// The glibc check on this machine (docs/launcher.md, "The glibc check"): a package that names a glibc
// newer than this machine's is refused with GLIBC_REQUIRED (exit 109) before its cache exists; one that
// names an older glibc runs. (test/e2e/old-userland.test.ts does the same in a real Debian 11 root.)
func TestE2EGlibcRequirement(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("glibc is checked on Linux only")
	}
	host := launch.HostLibc("/")
	if host.Kind != "glibc" {
		t.Fatalf("this test needs a glibc machine, HostLibc = %+v", host)
	}
	withGlibc := func(v string) testpkg.Spec {
		spec := testpkg.Simple("echo ran\n")
		spec.Extra = map[string]any{"compatibility": map[string]any{"min_format_version": "1.0.0", "glibc": v}}
		return spec
	}

	f := newFixture(t, withGlibc("99.0"))
	r := f.run(nil, "")
	want := "app.psp: error: this package needs glibc ≥ 99.0, this machine has glibc " + host.Version + " [GLIBC_REQUIRED]\n"
	if r.code != 109 || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "app.psp: hint: run it on a newer Linux") || r.stdout != "" {
		t.Fatalf("newer glibc required: %+v", r)
	}
	if _, err := os.Stat(f.cache); !os.IsNotExist(err) {
		t.Fatalf("the cache was touched before the check: %v", err)
	}
	info := f.run([]string{"FLAVOR_LAUNCHER_CLI=1"}, "", "info")
	if info.code != 0 || !strings.Contains(info.stdout, "requires:   glibc ≥ 99.0\n") ||
		!strings.Contains(info.stdout, "this libc:  glibc "+host.Version+" (") {
		t.Fatalf("info: %+v", info)
	}

	ok := newFixture(t, withGlibc("2.17"))
	if r := ok.run([]string{"FLAVOR_LOG_LEVEL=debug"}, ""); r.code != 0 || r.stdout != "ran\n" ||
		!strings.Contains(r.stderr, "glibc check: the package needs 2.17, this machine has ") {
		t.Fatalf("older glibc required: %+v", r)
	}
}
