package launch

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
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

// glibcVersionOf reads the glibc version of the library at path, if it is an ELF file for goarch: the
// version in its banner (the text gnu_get_libc_version and `libc.so.6` print: "… release version
// 2.31."), else the highest GLIBC_x.y version it defines (a lower bound: a release that adds no symbol,
// like 2.31, defines only GLIBC_2.30). debug/elf bounds-checks the file; a panic on a damaged file counts
// as unknown.
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
	if v, found := bannerVersion(path); found {
		return v, true
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

// maxLibcSize bounds how much of a libc.so.6 is searched for its banner (glibc's is about 2 MB).
const maxLibcSize = 64 << 20

var bannerPrefix = []byte(" release version ")

// bannerVersion finds "GNU C Library … release version X.Y." in the file and returns X.Y.
func bannerVersion(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLibcSize))
	if err != nil {
		return "", false
	}
	at := bytes.Index(data, []byte("GNU C Library"))
	if at < 0 {
		return "", false
	}
	line := data[at:]
	if end := bytes.IndexByte(line, 0); end >= 0 {
		line = line[:end]
	}
	_, rest, found := bytes.Cut(line, bannerPrefix)
	if !found {
		return "", false
	}
	n := 0
	for n < len(rest) && (rest[n] == '.' || rest[n] >= '0' && rest[n] <= '9') {
		n++
	}
	v := strings.TrimSuffix(string(rest[:n]), ".")
	if _, ok := format.ParseGlibcVersion(v); !ok {
		return "", false
	}
	return v, true
}
