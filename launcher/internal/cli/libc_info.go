package cli

import "flavorpack.dev/launcher/internal/launch"

// The `info` lines of the glibc check (docs/launcher.md "The glibc check"): what the package needs, what this machine has.

func requiresText(glibc string) string {
	if glibc == "" {
		return "no particular C library"
	}
	return "glibc ≥ " + glibc
}

func libcText(l launch.Libc) string {
	switch l.Kind {
	case "glibc":
		return "glibc " + l.Version + " (" + l.Path + ")"
	case "musl":
		return "musl libc (" + l.Path + ")"
	}
	return "unknown (no libc.so.6 or musl loader found)"
}
