package format

import (
	"strconv"
	"strings"
)

// The glibc a package needs (docs/launcher.md, "The glibc check"): `compatibility.glibc` in the signed
// metadata is the highest GLIBC_x.y symbol version any ELF file in the package requires, written by
// `flavor pack` (src/python/elf-glibc.ts). Absent: the package needs no particular glibc. The same rules
// are in src/format/glibc.ts; testdata/vectors/glibc-requirement.json holds the cases both decide.

// GlibcVersion is a parsed glibc version: 2 to 4 numbers ("2.17", "2.3.4").
type GlibcVersion []int

// ParseGlibcVersion parses "2.36"-style versions: 2 to 4 dot-separated decimal numbers of at most 4
// digits, without leading zeros. ok is false for anything else.
func ParseGlibcVersion(s string) (GlibcVersion, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return nil, false
	}
	v := make(GlibcVersion, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 4 || (len(p) > 1 && p[0] == '0') {
			return nil, false
		}
		for _, c := range p {
			if c < '0' || c > '9' {
				return nil, false
			}
		}
		v[i], _ = strconv.Atoi(p)
	}
	return v, true
}

// Compare returns -1, 0 or 1 as v is older than, equal to or newer than w (missing parts count as 0).
func (v GlibcVersion) Compare(w GlibcVersion) int {
	for i := 0; i < len(v) || i < len(w); i++ {
		a, b := 0, 0
		if i < len(v) {
			a = v[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (v GlibcVersion) String() string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}

// compatibility checks the fields of `compatibility` the launcher reads: glibc, a version string.
func (v *validator) compatibility(c object) {
	x, present := c["glibc"]
	if !present {
		return
	}
	s, ok := x.(string)
	if _, valid := ParseGlibcVersion(s); !ok || !valid {
		v.fail("compatibility.glibc", `a glibc version such as "2.17"`, x)
	}
}
