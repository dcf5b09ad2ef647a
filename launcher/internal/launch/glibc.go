package launch

import (
	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// The glibc check (docs/launcher.md, "The glibc check"): before anything is extracted, a package whose signed metadata
// names the glibc it needs (compatibility.glibc) is refused on a machine whose C library is older or
// not glibc, with the two versions named, instead of the dynamic loader's "version `GLIBC_2.34' not
// found" after the extraction. A machine whose C library cannot be determined is not blocked.

// Libc describes the machine's C library.
type Libc struct {
	Kind    string // "glibc", "musl" or "" (unknown)
	Version string // glibc only: "2.31"
	Path    string // the file it was read from
}

// CheckMachineGlibc runs CheckGlibc against this machine's C library (nothing is read when the package
// names no glibc; the library's banner only when its version definitions are older than required).
func CheckMachineGlibc(required string, debugf func(string, ...any)) error {
	if required == "" {
		return nil
	}
	need, _ := format.ParseGlibcVersion(required) // nil when malformed: CheckGlibc refuses it
	return CheckGlibc(required, hostLibc("/", need), debugf)
}

// CheckGlibc refuses a package that needs glibc `required` on a machine with `host`. debugf logs why a
// check was skipped.
func CheckGlibc(required string, host Libc, debugf func(string, ...any)) error {
	if required == "" {
		return nil
	}
	need, ok := format.ParseGlibcVersion(required)
	if !ok { // the schema refuses it; kept for safety
		return errs.New(errs.MetadataSchema, "compatibility.glibc %q is not a glibc version", required)
	}
	switch host.Kind {
	case "musl":
		return errs.New(errs.GlibcRequired, "this package needs glibc ≥ %s, this machine has musl libc (%s)", required, host.Path).
			WithHint("run it on a glibc-based Linux (Debian, Ubuntu, RHEL, Amazon Linux…), or in a container of one")
	case "glibc":
		have, ok := format.ParseGlibcVersion(host.Version)
		if !ok {
			debugf("glibc check skipped: %s reports version %q", host.Path, host.Version)
			return nil
		}
		if have.Compare(need) < 0 {
			return errs.New(errs.GlibcRequired, "this package needs glibc ≥ %s, this machine has glibc %s", required, host.Version).
				WithHint("run it on a newer Linux, or rebuild the package on a machine with glibc " + host.Version +
					" or older, or with flavor's portable runtime (docs/runtime.md)")
		}
		debugf("glibc check: the package needs %s, this machine has %s", required, host.Version)
		return nil
	}
	debugf("glibc check skipped: the package needs glibc %s, this machine's C library was not found", required)
	return nil
}
