package workenv

import (
	"runtime"

	"flavorpack.dev/launcher/internal/format"
)

// skipsSlot reports whether slot i is for another machine (its signed "platform" names another OS or
// OS_arch; docs/workenv.md). Such a slot is never hashed and never written: install, the pre-hash and
// the volatile refresh pass over it. The rule is format.PlatformMatches, shared with `flavor extract`
// through testdata/vectors/platform-match.json.
func (in *Installer) skipsSlot(i int) bool {
	s := in.Pkg.Meta.Slots[i]
	if format.PlatformMatches(s.Platform, runtime.GOOS, runtime.GOARCH) {
		return false
	}
	in.Log.Debugf("slot %d (%s) is for %s, this machine is %s_%s: not extracted", i, s.ID, s.Platform, runtime.GOOS, runtime.GOARCH)
	return true
}
