package launch

import (
	"debug/elf"
	"path/filepath"
	"runtime"
	"strings"

	"flavorpack.dev/launcher/internal/format"
)

// HostLibc finds the machine's C library without calling it (the launcher is built with CGO disabled):
// the first libc.so.6 of this CPU in the standard library folders is read as an ELF file and its
// version definitions (GLIBC_2.2.5 … GLIBC_2.31) give the glibc version; without one, a musl dynamic
// loader (/lib/ld-musl-*.so.1) means musl. root prefixes every path ("/" on a real run; tests use a
// folder). Any failure gives Kind "" (unknown).
func HostLibc(root string) Libc {
	for _, dir := range libDirs(runtime.GOARCH) {
		path := filepath.Join(root, dir, "libc.so.6")
		if v, ok := glibcVersionOf(path, runtime.GOARCH); ok {
			return Libc{Kind: "glibc", Version: v, Path: path}
		}
	}
	if loaders, _ := filepath.Glob(filepath.Join(root, "lib", "ld-musl-*.so.1")); len(loaders) > 0 {
		return Libc{Kind: "musl", Path: loaders[0]}
	}
	return Libc{}
}

// multiarch is the Debian/Ubuntu library folder name per GOARCH.
var multiarch = map[string]string{
	"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "386": "i386-linux-gnu",
	"arm": "arm-linux-gnueabihf", "riscv64": "riscv64-linux-gnu", "ppc64le": "powerpc64le-linux-gnu",
	"s390x": "s390x-linux-gnu",
}

// libDirs lists where distributions keep libc.so.6: Debian/Ubuntu multiarch folders, then lib64
// (RHEL, Fedora, SUSE, Amazon Linux), then lib (Arch, 32-bit systems).
func libDirs(goarch string) []string {
	var dirs []string
	if m, ok := multiarch[goarch]; ok {
		dirs = append(dirs, "lib/"+m, "usr/lib/"+m)
	}
	return append(dirs, "lib64", "usr/lib64", "lib", "usr/lib")
}

var elfMachine = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
}

// glibcVersionOf reads the highest GLIBC_x.y version that the ELF file at path defines, if it is a
// library for goarch. debug/elf bounds-checks the file; a panic on a damaged file counts as unknown.
func glibcVersionOf(path, goarch string) (version string, ok bool) {
	defer func() {
		if recover() != nil {
			version, ok = "", false
		}
	}()
	f, err := elf.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	if want, known := elfMachine[goarch]; !known || f.Machine != want {
		return "", false
	}
	defs, err := f.DynamicVersions()
	if err != nil {
		return "", false
	}
	var best format.GlibcVersion
	for _, d := range defs {
		name, isGlibc := strings.CutPrefix(d.Name, "GLIBC_")
		if v, valid := format.ParseGlibcVersion(name); isGlibc && valid && (best == nil || v.Compare(best) > 0) {
			best = v
		}
	}
	if best == nil {
		return "", false
	}
	return best.String(), true
}
