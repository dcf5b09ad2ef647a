package format

import "strings"

// A slot's "platform" (docs/format.md): "linux", "darwin", "windows" or "<os>_<arch>" like
// "linux_amd64"; absent (or null) means every machine. src/format/platform.ts decides with the same
// rule; testdata/vectors/platform-match.json pins it for both.

// ValidPlatform reports whether s is an acceptable slot platform string: an OS, optionally "_" and a
// GOARCH-like name of 1–16 lowercase letters and digits (^(linux|darwin|windows)(_[a-z0-9]{1,16})?$;
// no regexp: it would add its package init and ~150 KB to the launcher).
func ValidPlatform(s string) bool {
	os, arch, hasArch := strings.Cut(s, "_")
	if os != "linux" && os != "darwin" && os != "windows" {
		return false
	}
	if !hasArch {
		return true
	}
	if len(arch) < 1 || len(arch) > 16 {
		return false
	}
	for i := 0; i < len(arch); i++ {
		if c := arch[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// PlatformMatches reports whether a slot for platform ("" = every machine) is extracted on the
// machine goos/goarch: same OS, and same arch when the platform names one.
func PlatformMatches(platform, goos, goarch string) bool {
	if platform == "" {
		return true
	}
	os, arch, hasArch := strings.Cut(platform, "_")
	return os == goos && (!hasArch || arch == goarch)
}
