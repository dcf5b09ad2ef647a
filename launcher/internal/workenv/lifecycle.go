package workenv

import (
	"runtime"
	"strings"

	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/payload"
)

// Lifecycle is what a slot's metadata "lifecycle" name means to the launcher (docs/workenv.md, "Slot
// lifecycles"). The same table is decided by src/workenv/lifecycle.ts; both are tested against
// testdata/vectors/lifecycle/lifecycles.json.
type Lifecycle string

const (
	Runtime    Lifecycle = "runtime"    // in the workenv from install until the workenv is removed
	Init       Lifecycle = "init"       // in the staging folder for the setup commands, removed after
	Volatile   Lifecycle = "volatile"   // in the workenv, replaced by a fresh copy on every run
	Temp       Lifecycle = "temp"       // in a per-run folder, created fresh for each run, removed at exit
	CacheSlot  Lifecycle = "cache"      // in the workenv; `workenv clean --cache-slots` may drop it, the next run re-extracts it
	Persistent Lifecycle = "persistent" // in the package name's persistent store: never overwritten, survives updates
	Lazy       Lifecycle = "lazy"       // not read at install; extracted on the first request (lazy.go)
)

// LifecycleOf maps a lifecycle name (ASCII case-insensitive) to its behaviour. Names the launcher has
// no special behaviour for (startup, eager, config, unknown ones from other builders, …) are runtime.
func LifecycleOf(name string) Lifecycle {
	switch asciiLower(name) {
	case "init", "initialization":
		return Init
	case "volatile":
		return Volatile
	case "temp", "temporary":
		return Temp
	case "cache", "cached":
		return CacheSlot
	case "persistent":
		return Persistent
	case "lazy":
		return Lazy
	}
	return Runtime
}

// AtInstall reports whether the slot is extracted into the workenv when it is installed.
func (l Lifecycle) AtInstall() bool { return l != Temp && l != Persistent && l != Lazy }

// Place is where the slot's files live: "workenv", "run" (a per-run folder) or "store" (the persistent store).
func (l Lifecycle) Place() string {
	switch l {
	case Temp:
		return "run"
	case Persistent:
		return "store"
	}
	return "workenv"
}

// Trimmable reports whether `flavor workenv clean --cache-slots` may delete the slot.
func (l Lifecycle) Trimmable() bool { return l == CacheSlot }

// slotsOf returns the indexes of the slots with lifecycle l that are for this machine (a slot whose
// signed platform names another OS or OS_arch is never extracted: platform.go).
func slotsOf(meta *format.Metadata, l Lifecycle) []int {
	var out []int
	for i, s := range meta.Slots {
		if LifecycleOf(s.Lifecycle) == l && format.PlatformMatches(s.Platform, runtime.GOOS, runtime.GOARCH) {
			out = append(out, i)
		}
	}
	return out
}

// asciiLower lowers A-Z only: Unicode case folding would make "ınit" (dotless i) or a Kelvin sign
// name a lifecycle in one implementation and not the other.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// trimmableEntries returns the top-level names that are whole targets of cache slots: they may be
// missing from a healthy workenv, so the ready marker does not list them.
func trimmableEntries(meta *format.Metadata) map[string]bool {
	out := map[string]bool{}
	for _, i := range slotsOf(meta, CacheSlot) {
		if rel := slotRel(meta.Slots[i].Target); rel != "" && !strings.Contains(rel, "/") {
			out[rel] = true
		}
	}
	return out
}

// slotRel is the slot's target relative to its place ("" for the place itself or an unusable target,
// which extraction refuses anyway).
func slotRel(target string) string {
	rel, err := payload.TargetPath(target)
	if err != nil {
		return ""
	}
	return rel
}

// withoutTrimmable drops the whole targets of cache slots from the marker's entries: a workenv whose
// cache slot was trimmed is still intact, and the next run re-extracts the slot (RestoreCacheSlots).
func withoutTrimmable(entries []string, meta *format.Metadata) []string {
	skip := trimmableEntries(meta)
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if !skip[e] {
			out = append(out, e)
		}
	}
	return out
}
