package workenv

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/payload"
)

// RefreshVolatile re-extracts every "volatile" slot into the installed workenv: each slot is placed
// in a private temp folder inside the workenv and renamed over the old copy.
func (in *Installer) RefreshVolatile() error {
	for i, s := range in.Pkg.Meta.Slots {
		if !strings.EqualFold(s.Lifecycle, "volatile") {
			continue
		}
		if err := in.refreshSlot(i); err != nil {
			return err
		}
	}
	return nil
}

func (in *Installer) refreshSlot(i int) error {
	wdir := in.Workenv()
	tmp, err := os.MkdirTemp(wdir, ".flavor-volatile-")
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to create a temp folder in %s", wdir)
	}
	defer os.RemoveAll(tmp)
	root, err := os.OpenRoot(tmp)
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
	// Moves go through a handle on the workenv, so no link in it can lead them outside.
	wroot, err := os.OpenRoot(wdir)
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open %s", wdir)
	}
	defer wroot.Close()
	tmpRel := filepath.Base(tmp)
	for _, m := range moves {
		if err := wroot.MkdirAll(path.Dir(m), 0o755); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to create %s in %s", path.Dir(m), wdir)
		}
		if fi, err := wroot.Lstat(m); err == nil && fi.IsDir() {
			wroot.RemoveAll(m)
		}
		if err := wroot.Rename(path.Join(tmpRel, m), m); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to replace volatile %s in %s", m, wdir)
		}
	}
	// The slot's links were checked inside the temp folder; in the workenv they meet its other links.
	if err := payload.CheckLinks(wroot, placed.Links); err != nil {
		return err
	}
	in.Log.Debugf("refreshed volatile slot %d (%s)", i, in.Pkg.Meta.Slots[i].ID)
	return nil
}
