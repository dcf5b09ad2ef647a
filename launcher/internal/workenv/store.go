package workenv

import (
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
)

// StoreEntry is one persistent store, as reported by `cache list` under "persistent".
type StoreEntry struct {
	Name      string `json:"name"` // the store's folder name (the sanitized package name)
	Path      string `json:"path"`
	SizeBytes int64  `json:"size_bytes"`
	InUse     bool   `json:"in_use"` // a workenv of this package name is in use
}

// Stores lists the persistent stores; inUse are the workenv entries (from List) used to tell whether
// an app of the store's package runs. The cache must have been opened by CheckExisting.
func (c *Cache) Stores(entries []Entry) ([]StoreEntry, error) {
	out := []StoreEntry{}
	if c.root == nil {
		return out, nil
	}
	if _, err := c.root.Lstat(PersistentDirName); errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	pdir, err := openPrivate(c.root, c.Root, PersistentDirName, false)
	if err != nil {
		return nil, err
	}
	defer pdir.Close()
	names, err := readNames(pdir, ".")
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to list %s", filepath.Join(c.Root, PersistentDirName))
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.HasSuffix(n, ".lock") || strings.Contains(n, ".removing-") {
			continue
		}
		out = append(out, StoreEntry{Name: n, Path: filepath.Join(c.Root, PersistentDirName, n),
			SizeBytes: treeSize(pdir, n), InUse: storeInUse(n, entries)})
	}
	return out, nil
}

func storeInUse(store string, entries []Entry) bool {
	for _, e := range entries {
		if e.InUse && e.Name != nil && StoreName(*e.Name) == store {
			return true
		}
	}
	return false
}

// StoreResult is the outcome of removing one persistent store.
type StoreResult struct {
	Name       string `json:"name"`
	Status     string `json:"status"` // removed | in_use | not_found | error
	BytesFreed int64  `json:"bytes_freed"`
	Error      string `json:"error,omitempty"`
}

// RemoveStore deletes the persistent store of a package name (the data its apps saved) unless an app of
// that name runs or a launch is merging into it; links in it are removed as links. Only `flavor workenv
// remove` asks for this, after asking the user. The cache must have been opened by CheckExisting.
func (c *Cache) RemoveStore(pkgName string) StoreResult {
	name := StoreName(pkgName)
	res := StoreResult{Name: name}
	if name == "" || name == "." || name == ".." {
		res.Status, res.Error = "error", "not a package name"
		return res
	}
	if c.root == nil || !c.exists(filepath.Join(PersistentDirName, name)) {
		res.Status = "not_found"
		return res
	}
	entries, err := c.List()
	if err == nil && storeInUse(name, entries) {
		res.Status = "in_use"
		return res
	}
	pdir, err := openPrivate(c.root, c.Root, PersistentDirName, false)
	if err != nil {
		res.Status, res.Error = "error", err.Error()
		return res
	}
	defer pdir.Close()
	lk, err := TryAcquire(pdir, name+".lock", true)
	if err != nil {
		res.Status = "in_use"
		return res
	}
	defer lk.Close()
	size := treeSize(pdir, name)
	if err := removeTree(pdir, name); err != nil {
		res.Status, res.Error = "error", err.Error()
		return res
	}
	pdir.Remove(name + ".lock")
	res.Status, res.BytesFreed = "removed", size
	return res
}

func (c *Cache) exists(name string) bool {
	_, err := c.root.Lstat(name)
	return err == nil
}
