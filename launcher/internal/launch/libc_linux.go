package launch

import (
	"bytes"
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
func HostLibc(root string) Libc { return hostLibc(root, nil) }

// hostLibc is HostLibc that stops at the version definitions when they already reach `enough`: the
// banner (2 MB to read) is only searched when the version matters exactly, for an older library or
// for `info`.
func hostLibc(root string, enough format.GlibcVersion) Libc {
	for _, dir := range libDirs(runtime.GOARCH) {
		path := filepath.Join(root, dir, "libc.so.6")
		if v, ok := glibcVersionOf(path, runtime.GOARCH, enough); ok {
			return Libc{Kind: "glibc", Version: v, Path: path}
		}
	}
	if loaders, _ := filepath.Glob(filepath.Join(root, "lib", "ld-musl-*.so.1")); len(loaders) > 0 {
		return Libc{Kind: "musl", Path: loaders[0]}
	}
	return Libc{}
}

// multiarch is the Debian/Ubuntu library folder name per GOARCH.
func multiarch(goarch string) (string, bool) {
	switch goarch {
	case "amd64":
		return "x86_64-linux-gnu", true
	case "arm64":
		return "aarch64-linux-gnu", true
	case "386":
		return "i386-linux-gnu", true
	case "arm":
		return "arm-linux-gnueabihf", true
	case "riscv64":
		return "riscv64-linux-gnu", true
	case "ppc64le":
		return "powerpc64le-linux-gnu", true
	case "s390x":
		return "s390x-linux-gnu", true
	}
	return "", false
}

// libDirs lists where distributions keep libc.so.6: Debian/Ubuntu multiarch folders, then lib64
// (RHEL, Fedora, SUSE, Amazon Linux), then lib (Arch, 32-bit systems).
func libDirs(goarch string) []string {
	var dirs []string
	if m, ok := multiarch(goarch); ok {
		dirs = append(dirs, "lib/"+m, "usr/lib/"+m)
	}
	return append(dirs, "lib64", "usr/lib64", "lib", "usr/lib")
}

// glibcVersionOf reads the glibc version of the library at path, if it is an ELF file for goarch: the
// highest GLIBC_x.y version it defines when that reaches `enough` (cheap: one small section), else the
// version in its banner (the text gnu_get_libc_version and `libc.so.6` print: "… release version
// 2.31."), else the highest defined version (a lower bound: a release that adds no symbol, like 2.31,
// defines only GLIBC_2.30). The ELF reader (elf_linux.go) bounds-checks the file; a damaged file is
// unknown.
func glibcVersionOf(path, goarch string, enough format.GlibcVersion) (version string, ok bool) {
	f, err := openELF(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	if want, known := elfMachine(goarch); !known || f.machine != want {
		return "", false
	}
	defined := highestDefined(f)
	if defined != nil && enough != nil && defined.Compare(enough) >= 0 {
		return defined.String(), true
	}
	if v, found := bannerVersion(f, path); found {
		return v, true
	}
	if defined == nil {
		return "", false
	}
	return defined.String(), true
}

// highestDefined is the newest GLIBC_x.y version the library defines (nil: none or unreadable): the
// SHT_GNU_verdef section's sh_info entries (Elf_Verdef, 20 bytes, chained by vd_next), each naming its
// version in its first Elf_Verdaux (vda_name, an offset into the sh_link string table). Read here rather
// than with debug/elf's DynamicVersions, which also decodes every dynamic symbol (10× slower).
func highestDefined(f *elfFile) format.GlibcVersion {
	sec, found := f.sectionByType(shtGNUVerdef)
	if !found || int(sec.link) >= len(f.sections) {
		return nil
	}
	defs, ok := f.data(sec, maxVerdefSize)
	if !ok {
		return nil
	}
	strs, ok := f.data(f.sections[sec.link], maxLibcSize)
	if !ok {
		return nil
	}
	bo := f.bo
	var best format.GlibcVersion
	at := 0
	for i := 0; i < int(sec.info) && at+20 <= len(defs); i++ {
		aux := at + int(bo.Uint32(defs[at+12:]))
		if aux < at || aux+8 > len(defs) {
			return best
		}
		name := cString(strs, int(bo.Uint32(defs[aux:])))
		if v, ok := format.ParseGlibcVersion(strings.TrimPrefix(name, "GLIBC_")); ok && strings.HasPrefix(name, "GLIBC_") &&
			(best == nil || v.Compare(best) > 0) {
			best = v
		}
		next := int(bo.Uint32(defs[at+16:]))
		if next == 0 {
			break
		}
		at += next
	}
	return best
}

// maxVerdefSize bounds the version definitions read (glibc's are 1.4 KB).
const maxVerdefSize = 1 << 20

// cString is the NUL-terminated string at off in b ("" when off is outside b or there is no NUL).
func cString(b []byte, off int) string {
	if off < 0 || off >= len(b) {
		return ""
	}
	end := bytes.IndexByte(b[off:], 0)
	if end < 0 {
		return ""
	}
	return string(b[off : off+end])
}

// maxLibcSize bounds how much of a libc.so.6 is searched for its banner (glibc's is about 2 MB).
const maxLibcSize = 64 << 20

var bannerPrefix = []byte(" release version ")

// bannerVersion finds "GNU C Library … release version X.Y." in the library's .rodata (the whole file
// when it has none) and returns X.Y.
func bannerVersion(f *elfFile, path string) (string, bool) {
	data, ok := rodata(f, path)
	if !ok {
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

func rodata(f *elfFile, path string) ([]byte, bool) {
	if sec, found := f.sectionNamed(".rodata"); found && sec.typ == shtProgbits && sec.size <= maxLibcSize {
		return f.data(sec, maxLibcSize)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxLibcSize))
	return data, err == nil
}
