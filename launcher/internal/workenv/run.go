package workenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/payload"
)

// RunDirName is the folder in the workenv that holds the per-run folders of temp slots.
const RunDirName = ".flavor-run"

// Run is what one launch needs besides the installed workenv: the paths of slots that live elsewhere
// (temp slots in a per-run folder, persistent slots in the package's store) and the per-run folder's
// lock, which the app holds for as long as it runs.
type Run struct {
	SlotPaths map[int]string // slot index → path, for slots outside the workenv
	Dir       string         // the per-run folder ("" without temp slots)
	Store     string         // the persistent store ("" without persistent slots)

	runs    *os.Root // <workenv>/.flavor-run
	name    string   // the per-run folder's name in runs
	runLock *Lock
}

// PrepareRun does what the lifecycles ask of every launch after Ensure: refresh volatile slots and
// restore trimmed cache slots (a cold install has just extracted both), merge persistent slots into the
// store, and create the per-run folder with the temp slots.
func (in *Installer) PrepareRun(cold bool) (*Run, error) {
	r := &Run{SlotPaths: map[int]string{}}
	if !cold {
		if err := in.RefreshVolatile(); err != nil {
			return nil, err
		}
		if err := in.RestoreCacheSlots(); err != nil {
			return nil, err
		}
	}
	if err := in.populatePersistent(r); err != nil {
		return nil, err
	}
	if err := in.newRunDir(r); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// MustWait reports whether the launcher has to wait for the app (to remove the per-run folder at exit)
// instead of exec'ing it.
func (r *Run) MustWait() bool { return r != nil && r.Dir != "" }

// Files are the open files the app must inherit: the per-run folder's lock (a later launch removes a
// per-run folder only when nobody holds its lock).
func (r *Run) Files() []*os.File {
	if r == nil || r.runLock == nil {
		return nil
	}
	return []*os.File{r.runLock.File()}
}

// Close removes the per-run folder and releases its lock.
func (r *Run) Close() {
	if r == nil || r.runs == nil {
		return
	}
	if r.name != "" {
		r.runs.RemoveAll(r.name)
		r.runs.Remove(r.name + ".lock") // while still holding it
	}
	r.runLock.Close()
	r.runs.Close()
	r.runs, r.runLock = nil, nil
}

// newRunDir creates <workenv>/.flavor-run/<rand>/ (after removing the folders of runs that ended
// without cleaning up) and extracts the temp slots into it, each checked against its signed hash.
func (in *Installer) newRunDir(r *Run) error {
	slots := slotsOf(in.Pkg.Meta, Temp)
	if len(slots) == 0 {
		return nil
	}
	wroot, err := in.Cache.dir.OpenRoot(in.ID)
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open %s", in.Workenv())
	}
	defer wroot.Close()
	if err := wroot.Mkdir(RunDirName, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return errs.Wrap(errs.IOError, err, "failed to create %s", filepath.Join(in.Workenv(), RunDirName))
	}
	if r.runs, err = openPrivate(wroot, in.Workenv(), RunDirName, false); err != nil {
		return err
	}
	sweepRuns(r.runs)
	name := randHex()
	// The lock comes first: a folder without a lock file is a leftover (sweepRuns).
	if r.runLock, err = TryAcquire(r.runs, name+".lock", true); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to lock a per-run folder in %s", in.Workenv())
	}
	if err := r.runs.Mkdir(name, 0o700); err != nil {
		return errs.Wrap(errs.IOError, err, "failed to create a per-run folder in %s", in.Workenv())
	}
	r.name, r.Dir = name, filepath.Join(in.Workenv(), RunDirName, name)
	return in.placeTempSlots(r, slots)
}

func (in *Installer) placeTempSlots(r *Run, slots []int) error {
	root, err := r.runs.OpenRoot(r.name)
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open %s", r.Dir)
	}
	defer root.Close()
	var links []string
	for _, i := range slots {
		placed, err := PlaceSlot(root, in.Pkg, i)
		if err != nil {
			return err
		}
		links = append(links, placed.Links...)
		r.SlotPaths[i] = joinRel(r.Dir, slotRel(in.Pkg.Meta.Slots[i].Target))
		in.Log.Debugf("extracted temp slot %d (%s) into %s", i, in.Pkg.Meta.Slots[i].ID, r.Dir)
	}
	return payload.CheckLinks(root, links)
}

// sweepRuns removes the per-run folders whose lock nobody holds (their launcher and app are gone, e.g.
// killed with SIGKILL) and folders without a lock file.
func sweepRuns(runs *os.Root) {
	names, err := readNames(runs, ".")
	if err != nil {
		return
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, n := range names {
		if id, ok := strings.CutSuffix(n, ".lock"); ok {
			if lk, err := TryAcquire(runs, n, true); err == nil {
				runs.RemoveAll(id)
				runs.Remove(n)
				lk.Close()
			}
		} else if !have[n+".lock"] {
			runs.RemoveAll(n)
		}
	}
}
