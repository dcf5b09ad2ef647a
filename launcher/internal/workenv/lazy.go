package workenv

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/jsonlite"
	"flavorpack.dev/launcher/internal/payload"
)

// Lazy slots (docs/workenv.md "Lazy slots"): not read at install; extracted into the installed workenv on
// the first request (EnsureSlot), once, under a per-slot lock. Their state lives inside the tree, in
// <workenv>/.flavor-lazy/: <index>.lock, <index>.ready (JSON, written last) and <index>.staging-<rand>
// while an extraction runs. A reinstall or removal of the tree takes that state with it.

// LazyDir is the folder inside the workenv that holds the lazy slots' locks, markers and staging folders.
const LazyDir = ".flavor-lazy"

// LazyMarkerFormat is the "marker" value of a lazy slot's ready marker.
const LazyMarkerFormat = "flavor-lazy-slot/1"

// LazyMarker is the JSON content of .flavor-lazy/<index>.ready.
type LazyMarker struct {
	Marker      string `json:"marker"`
	Index       int    `json:"index"`
	ID          string `json:"id"`
	SHA256      string `json:"sha256"`
	Path        string `json:"path"`
	ExtractedAt string `json:"extracted_at"`
}

func parseLazyMarker(b []byte) (*LazyMarker, error) {
	f, err := jsonlite.ParseObject(b)
	if err != nil {
		return nil, err
	}
	m := &LazyMarker{Marker: f.String("marker"), Index: int(f.Int("index")), ID: f.String("id"), SHA256: f.String("sha256"),
		Path: f.String("path"), ExtractedAt: f.String("extracted_at")}
	return m, f.Err
}

func (m *LazyMarker) JSONObject() jsonlite.Obj {
	return jsonlite.Obj{{Key: "marker", Value: m.Marker}, {Key: "index", Value: m.Index}, {Key: "id", Value: m.ID},
		{Key: "sha256", Value: m.SHA256}, {Key: "path", Value: m.Path}, {Key: "extracted_at", Value: m.ExtractedAt}}
}

// IsLazy reports whether a slot has the lifecycle "lazy" (any case, as the other lifecycles).
func IsLazy(s format.SlotMeta) bool { return strings.EqualFold(s.Lifecycle, "lazy") }

// Installed reports whether the workenv is installed and intact (its marker matches this package). The
// cache must have been opened (Prepare or CheckExisting).
func (in *Installer) Installed() bool { return in.Cache.dir != nil && in.intact() }

// SlotPath is where slot i lands: the workenv joined with its target.
func (in *Installer) SlotPath(i int) (string, error) {
	rel, err := payload.TargetPath(in.Pkg.Meta.Slots[i].Target)
	if err != nil {
		return "", err
	}
	return filepath.Join(in.Workenv(), filepath.FromSlash(rel)), nil
}

// LazyReady reports whether lazy slot i is extracted: its marker matches the slot and its path exists.
// It needs no lock (markers are renamed into place) and reads nothing of the package.
func (in *Installer) LazyReady(i int) bool {
	wroot, err := in.Cache.dir.OpenRoot(in.ID)
	if err != nil {
		return false
	}
	defer wroot.Close()
	return in.lazyReady(wroot, i)
}

// EnsureSlot returns the path of slot i in the installed workenv, extracting it first when it is a lazy
// slot not extracted yet. The caller holds the workenv's shared lock (Ensure), so the tree cannot be
// removed or reinstalled meanwhile. Concurrent requests extract once: the first takes the slot's lock and
// extracts, the others wait for it and then find the marker.
func (in *Installer) EnsureSlot(i int) (string, error) {
	meta := in.Pkg.Meta.Slots[i]
	path, err := in.SlotPath(i)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(meta.Lifecycle, "init") {
		return "", errs.New(errs.Usage, "slot %d (%s) has the lifecycle init: it is removed once the setup commands ran", i, meta.ID)
	}
	if in.skipsSlot(i) {
		return "", errs.New(errs.Usage, "slot %d (%s) is for %s, not this machine: it is never extracted here", i, meta.ID, meta.Platform)
	}
	if !IsLazy(meta) {
		return path, nil
	}
	wroot, err := in.Cache.dir.OpenRoot(in.ID)
	if err != nil {
		return "", errs.Wrap(errs.CacheError, err, "failed to open %s", in.Workenv())
	}
	defer wroot.Close()
	if in.lazyReady(wroot, i) {
		return path, nil
	}
	lk, dir, err := in.lockLazy(wroot, i)
	if err != nil {
		return "", err
	}
	defer dir.Close()
	defer lk.Close()
	if in.lazyReady(wroot, i) { // another request extracted it while we waited
		in.Log.Debugf("lazy slot %d (%s) was extracted by another process", i, meta.ID)
		return path, nil
	}
	if err := in.extractLazy(wroot, i); err != nil {
		return "", err
	}
	return path, nil
}

func lazyName(i int, suffix string) string { return strconv.Itoa(i) + suffix }

// lockLazy takes the exclusive lock .flavor-lazy/<i>.lock, creating the folder (0700) if needed. It
// returns the lock and the folder's handle, which the lock uses until it is closed.
func (in *Installer) lockLazy(wroot *os.Root, i int) (*Lock, *os.Root, error) {
	where := filepath.Join(in.Workenv(), LazyDir)
	if err := wroot.Mkdir(LazyDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, nil, errs.Wrap(errs.CacheError, err, "failed to create %s", where)
	}
	if fi, err := wroot.Lstat(LazyDir); err != nil || !fi.IsDir() {
		return nil, nil, errs.New(errs.CacheError, "%s is not a folder", where)
	}
	dir, err := wroot.OpenRoot(LazyDir)
	if err != nil {
		return nil, nil, errs.Wrap(errs.CacheError, err, "failed to open %s", where)
	}
	lk, err := Acquire(dir, lazyName(i, ".lock"), true, ExclusiveTimeout)
	if err != nil {
		dir.Close()
		return nil, nil, err
	}
	return lk, dir, nil
}

func (in *Installer) lazyReady(wroot *os.Root, i int) bool {
	b, err := wroot.ReadFile(filepath.Join(LazyDir, lazyName(i, ".ready")))
	if err != nil {
		return false
	}
	m, err := parseLazyMarker(b)
	if err != nil {
		return false
	}
	meta := in.Pkg.Meta.Slots[i]
	if m.Marker != LazyMarkerFormat || m.Index != i || m.ID != meta.ID || m.SHA256 != hex.EncodeToString(meta.SHA256[:]) {
		return false
	}
	rel, err := payload.TargetPath(meta.Target)
	if err != nil {
		return false
	}
	_, err = wroot.Lstat(filepath.FromSlash(rel))
	return rel == "" || err == nil
}

// extractLazy runs under the slot's exclusive lock: hash the stored bytes before anything is written,
// extract into a staging folder inside .flavor-lazy, then publish the result. No marker = "not extracted".
func (in *Installer) extractLazy(wroot *os.Root, i int) error {
	meta := in.Pkg.Meta.Slots[i]
	start := time.Now()
	if err := in.Pkg.VerifySlot(i); err != nil {
		return err
	}
	in.Log.Debugf("lazy slot %d (%s): stored bytes hashed before decoding (%d bytes, %.3f ms)", i, meta.ID, in.Pkg.Slots[i].Size, float64(time.Since(start).Microseconds())/1000)
	keys, err := UnlockSlots(in.Pkg, []int{i}) // an encrypted lazy slot's key, checked before anything is written
	if err != nil {
		return err
	}
	in.cleanLazyLeftovers(wroot, i)
	lazy, err := wroot.OpenRoot(LazyDir)
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to open %s", filepath.Join(in.Workenv(), LazyDir))
	}
	defer lazy.Close()
	staging, err := mkdirTemp(lazy, lazyName(i, ".staging-"))
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to create a staging folder in %s", filepath.Join(in.Workenv(), LazyDir))
	}
	defer lazy.RemoveAll(staging)
	placed, err := in.stageLazy(lazy, staging, i, keys[i])
	if err != nil {
		return err
	}
	return in.publishLazy(wroot, lazy, i, filepath.Join(LazyDir, staging), placed)
}

// stageLazy extracts slot i into the staging folder (hashing it again on the way) and checks its links there.
func (in *Installer) stageLazy(lazy *os.Root, staging string, i int, key []byte) (*payload.Placed, error) {
	root, err := lazy.OpenRoot(staging)
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to open %s", staging)
	}
	defer root.Close()
	in.Log.Debugf("extracting lazy slot %d (%s) into %s", i, in.Pkg.Meta.Slots[i].ID, in.Workenv())
	placed, err := placeSlot(root, in.Pkg, i, key)
	if err != nil {
		return nil, err
	}
	if err := payload.CheckLinks(root, placed.Links); err != nil {
		return nil, err
	}
	if in.AfterSlot != nil {
		in.AfterSlot(i)
	}
	return placed, nil
}

// publishLazy moves the staged slot into the workenv, checks its links there (where they meet the other
// slots' links) and writes the marker last; a failure removes what it moved.
func (in *Installer) publishLazy(wroot, lazy *os.Root, i int, staging string, placed *payload.Placed) error {
	moved, err := moveIntoWorkenv(wroot, lazy, i, staging, in.Pkg.Meta.Slots[i].Target, placed)
	if err == nil {
		err = payload.CheckLinks(wroot, placed.Links)
	}
	if err == nil {
		err = writeLazyMarker(lazy, i, in.lazyMarker(i))
	}
	if err != nil {
		for _, m := range moved {
			wroot.RemoveAll(m)
		}
	}
	lazy.Remove(lazyName(i, ".moving")) // on success the marker now vouches for what was moved
	if err == nil {
		in.Log.Debugf("extracted lazy slot %d (%s)", i, in.Pkg.Meta.Slots[i].ID)
	}
	return err
}

// moveIntoWorkenv renames what slot placement created in the staging folder (its target, or the top-level
// entries for a {workenv} target) to the same place in the workenv and returns the paths it moved. It never
// replaces what the install or another slot put there: a path that exists is refused, unless the journal
// .flavor-lazy/<i>.moving lists it, i.e. an extraction of this slot that crashed before its marker moved it.
func moveIntoWorkenv(wroot, lazy *os.Root, i int, staging, target string, placed *payload.Placed) ([]string, error) {
	rel, err := payload.TargetPath(target)
	if err != nil {
		return nil, err
	}
	moves := []string{filepath.FromSlash(rel)}
	if rel == "" {
		moves = moves[:0]
		for _, t := range placed.Top {
			moves = append(moves, filepath.FromSlash(t))
		}
	}
	journal := lazyName(i, ".moving")
	if err := removeJournaled(wroot, lazy, journal); err != nil {
		return nil, err
	}
	for _, dst := range moves {
		if dst == LazyDir || strings.HasPrefix(dst, LazyDir+string(filepath.Separator)) {
			return nil, errs.New(errs.UnsafePath, "lazy slot %d would replace the workenv's %s folder", i, LazyDir)
		}
		if _, err := wroot.Lstat(dst); err == nil {
			return nil, errs.New(errs.UnsafePath, "lazy slot %d would replace %s, which is already in the workenv", i, filepath.ToSlash(dst)).
				WithHint("give the lazy slot a target of its own: a lazy slot is never merged into what other slots placed")
		}
	}
	if err := lazy.WriteFile(journal, []byte(strings.Join(moves, "\n")+"\n"), 0o600); err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to write %s", journal)
	}
	var moved []string
	for _, dst := range moves {
		if err := wroot.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return moved, errs.Wrap(errs.IOError, err, "failed to create %s", filepath.Dir(dst))
		}
		if err := wroot.Rename(filepath.Join(staging, dst), dst); err != nil {
			return moved, errs.Wrap(errs.IOError, err, "failed to move lazy slot path %s into place", dst)
		}
		moved = append(moved, dst)
	}
	return moved, nil
}

// removeJournaled deletes the paths a crashed extraction listed in the journal, then the journal.
func removeJournaled(wroot, lazy *os.Root, journal string) error {
	b, err := lazy.ReadFile(journal)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to read %s", journal)
	}
	for _, p := range strings.Split(string(b), "\n") {
		if p != "" && filepath.IsLocal(p) && p != LazyDir && !strings.HasPrefix(p, LazyDir+string(filepath.Separator)) {
			if err := wroot.RemoveAll(p); err != nil {
				return errs.Wrap(errs.IOError, err, "failed to remove the leftover %s", p)
			}
		}
	}
	return lazy.Remove(journal)
}

func (in *Installer) lazyMarker(i int) *LazyMarker {
	meta := in.Pkg.Meta.Slots[i]
	path, _ := in.SlotPath(i)
	return &LazyMarker{Marker: LazyMarkerFormat, Index: i, ID: meta.ID, SHA256: hex.EncodeToString(meta.SHA256[:]),
		Path: path, ExtractedAt: time.Now().UTC().Format(time.RFC3339)}
}

// writeLazyMarker writes <i>.ready in dir through a temp file and a rename, as the workenv marker.
func writeLazyMarker(dir *os.Root, i int, m *LazyMarker) error {
	b := jsonlite.MarshalIndent(m, "  ")
	name := lazyName(i, ".ready")
	tmp := name + ".tmp-" + randHex()
	if err := dir.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		dir.Remove(tmp)
		return errs.Wrap(errs.CacheError, err, "failed to write the lazy slot marker %s", name)
	}
	if err := dir.Rename(tmp, name); err != nil {
		dir.Remove(tmp)
		return errs.Wrap(errs.CacheError, err, "failed to write the lazy slot marker %s", name)
	}
	return syncDir(dir)
}

// cleanLazyLeftovers removes staging folders and marker temp files of slot i left by dead processes
// (the caller holds the slot's lock, so no live process owns them).
func (in *Installer) cleanLazyLeftovers(wroot *os.Root, i int) {
	names, err := readNames(wroot, LazyDir)
	if err != nil {
		return
	}
	for _, n := range names {
		if strings.HasPrefix(n, lazyName(i, ".staging-")) || strings.HasPrefix(n, lazyName(i, ".ready.tmp-")) {
			in.Log.Debugf("removing leftover %s", filepath.Join(LazyDir, n))
			wroot.RemoveAll(filepath.Join(LazyDir, n))
		}
	}
}
