package workenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/payload"
)

// RefreshVolatile re-extracts every "volatile" slot into the installed workenv: each slot is placed
// in a private temp folder inside the workenv and renamed over the old copy.
func (in *Installer) RefreshVolatile() error {
	for _, i := range slotsOf(in.Pkg.Meta, Volatile) {
		if err := in.placeInWorkenv(i, true); err != nil {
			return err
		}
		in.Log.Debugf("refreshed volatile slot %d (%s)", i, in.Pkg.Meta.Slots[i].ID)
	}
	return nil
}

// RestoreCacheSlots re-extracts every "cache" slot whose target is missing (`flavor workenv clean
// --cache-slots` dropped it), after checking its stored bytes against the signed hash. It runs under
// the shared workenv lock: two launches that both restore it each build a private copy and the first
// rename wins.
func (in *Installer) RestoreCacheSlots() error {
	slots := slotsOf(in.Pkg.Meta, CacheSlot)
	if len(slots) == 0 {
		return nil
	}
	wroot, err := in.Cache.dir.OpenRoot(in.ID)
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open %s", in.Workenv())
	}
	defer wroot.Close()
	for _, i := range slots {
		rel := slotRel(in.Pkg.Meta.Slots[i].Target)
		if rel == "" {
			continue // a cache slot at {workenv} itself is never trimmed
		}
		if _, err := wroot.Lstat(filepath.FromSlash(rel)); err == nil {
			continue
		}
		if err := in.placeInWorkenv(i, false); err != nil {
			return err
		}
		in.Log.Debugf("re-extracted cache slot %d (%s)", i, in.Pkg.Meta.Slots[i].ID)
	}
	return nil
}

// placeInWorkenv extracts slot i into a private temp folder in the workenv and renames it into place:
// over the old copy when replace is set (volatile), else only where nothing is (cache).
func (in *Installer) placeInWorkenv(i int, replace bool) error {
	wroot, err := in.Cache.dir.OpenRoot(in.ID)
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open %s", in.Workenv())
	}
	defer wroot.Close()
	tmp, err := mkdirTemp(wroot, ".flavor-volatile-")
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to create a temp folder in %s", in.Workenv())
	}
	defer wroot.RemoveAll(tmp)
	root, err := wroot.OpenRoot(tmp)
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open %s", tmp)
	}
	defer root.Close()
	placed, err := PlaceSlot(root, in.Pkg, i)
	if err != nil {
		return err
	}
	rel, err := payload.TargetPath(in.Pkg.Meta.Slots[i].Target)
	if err != nil {
		return err
	}
	moves := []string{rel}
	if rel == "" {
		moves = placed.Top
	}
	for _, m := range moves {
		src, dst := filepath.Join(tmp, filepath.FromSlash(m)), filepath.FromSlash(m)
		if err := wroot.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to create %s", filepath.Dir(dst))
		}
		if err := moveInto(wroot, tmp, src, dst, replace); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to put slot %d in place at %s", i, filepath.Join(in.Workenv(), dst))
		}
	}
	// The slot's links were checked inside the temp folder; in the workenv they meet its other links.
	return payload.CheckLinks(wroot, placed.Links)
}

// moveInto renames src to dst inside root. With replace, an old folder at dst is exchanged with src
// atomically where the system can (Linux), else first moved into the temp folder tmp (deleted by the
// caller); a concurrent launch doing the same can put its copy there in between, so this retries. Without replace, an existing dst wins and src is left for the caller.
func moveInto(root *os.Root, tmp, src, dst string, replace bool) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		fi, statErr := root.Lstat(dst)
		if statErr == nil && !replace {
			return nil
		}
		if statErr == nil && fi.IsDir() {
			if swapEntries(root, src, dst) == nil {
				return nil // the old folder is now at src, in tmp
			}
			old := filepath.Join(tmp, "old-"+randHex())
			if err := root.Rename(dst, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		if err = root.Rename(src, dst); err == nil {
			return nil
		}
	}
	return err
}
