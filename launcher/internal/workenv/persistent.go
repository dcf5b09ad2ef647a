package workenv

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/payload"
)

// The persistent store (docs/workenv.md, "Persistent slots"): <root>/persistent/<name>/, one per package
// name, so every version of an app shares it. A persistent slot's files are copied in the first time a
// package with that slot content runs, file by file and only where nothing is yet: what the app (or the
// user) wrote or edited is never overwritten, and survives updates and `workenv clean`.

// PersistentDirName is the folder of the stores below the cache root.
const PersistentDirName = "persistent"

// stampDir is the store's bookkeeping folder: one empty file per slot content merged, and merge temps.
const stampDir = ".flavor"

// StoreName is the store folder of a package name (sanitized like the workenv id's name part).
func StoreName(pkgName string) string { return sanitize(pkgName) }

// StorePath is the path of the package name's persistent store.
func (c *Cache) StorePath(pkgName string) string {
	return filepath.Join(c.Root, PersistentDirName, StoreName(pkgName))
}

// populatePersistent merges the package's persistent slots into its store (when it has any) and
// records the slots' paths in r.
func (in *Installer) populatePersistent(r *Run) error {
	slots := slotsOf(in.Pkg.Meta, Persistent)
	if len(slots) == 0 {
		return nil
	}
	pdir, err := openPrivate(in.Cache.root, in.Cache.Root, PersistentDirName, true)
	if err != nil {
		return err
	}
	defer pdir.Close()
	name := StoreName(in.Pkg.Meta.Package.Name)
	r.Store = in.Cache.StorePath(in.Pkg.Meta.Package.Name)
	st, err := openPrivate(pdir, filepath.Join(in.Cache.Root, PersistentDirName), name, true)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, i := range slots {
		r.SlotPaths[i] = joinRel(r.Store, slotRel(in.Pkg.Meta.Slots[i].Target))
	}
	if in.merged(st, slots) { // the common case: nothing new since the last run
		return nil
	}
	lk, err := Acquire(pdir, name+".lock", true, ExclusiveTimeout)
	if err != nil {
		return err
	}
	defer lk.Close()
	removeMatching(st, stampDir, "merge-") // temps of a merge that crashed (we hold the lock)
	for _, i := range slots {
		if err := in.mergeSlot(st, i); err != nil {
			return err
		}
	}
	return nil
}

func stampName(sha [32]byte) string {
	return filepath.Join(stampDir, "slot-"+hex.EncodeToString(sha[:]))
}

// merged reports whether every slot's content was merged into the store before.
func (in *Installer) merged(st *os.Root, slots []int) bool {
	for _, i := range slots {
		if _, err := st.Lstat(stampName(in.Pkg.Meta.Slots[i].SHA256)); err != nil {
			return false
		}
	}
	return true
}

// mergeSlot extracts slot i (after checking its stored bytes against the signed hash) into a temp
// folder of the store and moves in every file and folder the store does not have yet.
func (in *Installer) mergeSlot(st *os.Root, i int) error {
	stamp := stampName(in.Pkg.Meta.Slots[i].SHA256)
	if _, err := st.Lstat(stamp); err == nil {
		return nil
	}
	if err := st.MkdirAll(stampDir, 0o700); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to create %s in the persistent store", stampDir)
	}
	tmp, err := mkdirTemp(st, filepath.Join(stampDir, "merge-"))
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to create a temp folder in the persistent store")
	}
	defer st.RemoveAll(tmp)
	troot, err := st.OpenRoot(tmp)
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to open %s", tmp)
	}
	placed, err := PlaceSlot(troot, in.Pkg, i)
	if err == nil {
		err = payload.CheckLinks(troot, placed.Links)
	}
	troot.Close()
	if err != nil {
		return err
	}
	moved, err := mergeTree(st, tmp, ".")
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to copy persistent slot %d (%s) into the store", i, in.Pkg.Meta.Slots[i].ID)
	}
	if err := payload.CheckLinks(st, movedLinks(placed.Links, moved)); err != nil {
		return err
	}
	if err := st.WriteFile(stamp, nil, 0o600); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to record persistent slot %d in the store", i)
	}
	in.Log.Debugf("merged persistent slot %d (%s): %d new entries", i, in.Pkg.Meta.Slots[i].ID, len(moved))
	return nil
}

// mergeTree moves every entry of tmp/rel that is missing at rel into place and descends into folders
// both have; an existing file, link or folder is kept as it is. It returns the slash paths moved.
func mergeTree(st *os.Root, tmp, rel string) ([]string, error) {
	names, err := readNames(st, filepath.Join(tmp, rel))
	if err != nil {
		return nil, err
	}
	var moved []string
	for _, n := range names {
		if rel == "." && n == stampDir {
			continue
		}
		src, dst := filepath.Join(tmp, rel, n), filepath.Join(rel, n)
		have, err := st.Lstat(dst)
		if errors.Is(err, fs.ErrNotExist) {
			if err := st.Rename(src, dst); err != nil {
				return nil, err
			}
			moved = append(moved, filepath.ToSlash(dst))
			continue
		}
		if err != nil {
			return nil, err
		}
		if got, err := st.Lstat(src); err == nil && got.IsDir() && have.IsDir() {
			sub, err := mergeTree(st, tmp, dst)
			if err != nil {
				return nil, err
			}
			moved = append(moved, sub...)
		}
	}
	return moved, nil
}

// movedLinks keeps the links that now lie in a moved subtree.
func movedLinks(links, moved []string) []string {
	var out []string
	for _, l := range links {
		for _, m := range moved {
			if l == m || strings.HasPrefix(l, m+"/") {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// removeMatching removes the entries of folder dir in root whose names start with prefix.
func removeMatching(root *os.Root, dir, prefix string) {
	names, _ := readNames(root, dir)
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			root.RemoveAll(filepath.Join(dir, n))
		}
	}
}

// joinRel joins a slash path relative to a place onto the place's path.
func joinRel(place, rel string) string {
	if rel == "" {
		return place
	}
	return filepath.Join(place, filepath.FromSlash(rel))
}
