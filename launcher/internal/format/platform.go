package format

import (
	"regexp"
	"strings"
)

// A slot's "platform" (docs/format.md): "linux", "darwin", "windows" or "<os>_<arch>" like
// "linux_amd64"; absent (or null) means every machine. src/format/platform.ts decides with the same
// rule; testdata/vectors/platform-match.json pins it for both.

// platformRE is what a reader accepts in the metadata: an OS, optionally "_" and a GOARCH-like name.
var platformRE = regexp.MustCompile(`^(linux|darwin|windows)(_[a-z0-9]{1,16})?$`)

// ValidPlatform reports whether s is an acceptable slot platform string.
func ValidPlatform(s string) bool { return platformRE.MatchString(s) }

// PlatformMatches reports whether a slot for platform ("" = every machine) is extracted on the
// machine goos/goarch: same OS, and same arch when the platform names one.
func PlatformMatches(platform, goos, goarch string) bool {
	if platform == "" {
		return true
	}
	os, arch, hasArch := strings.Cut(platform, "_")
	return os == goos && (!hasArch || arch == goarch)
}
