package workenv

import (
	"path/filepath"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/payload"
)

// RefreshVolatile re-extracts every "volatile" slot into the installed workenv: each slot is placed
// in a private temp folder inside the workenv and renamed over the old copy.
func (in *Installer) RefreshVolatile() error {
	for i, s := range in.Pkg.Meta.Slots {
		if !strings.EqualFold(s.Lifecycle, "volatile") || in.skipsSlot(i) {
			continue
		}
		if err := in.refreshSlot(i); err != nil {
			return err
		}
	}
	return nil
}

func (in *Installer) refreshSlot(i int) error {
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
		if fi, err := wroot.Lstat(dst); err == nil && fi.IsDir() {
			wroot.RemoveAll(dst)
		}
		if err := wroot.Rename(src, dst); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to replace volatile %s", filepath.Join(in.Workenv(), dst))
		}
	}
	// The slot's links were checked inside the temp folder; in the workenv they meet its other links.
	if err := payload.CheckLinks(wroot, placed.Links); err != nil {
		return err
	}
	in.Log.Debugf("refreshed volatile slot %d (%s)", i, in.Pkg.Meta.Slots[i].ID)
	return nil
}
