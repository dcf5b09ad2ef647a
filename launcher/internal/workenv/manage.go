package workenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"flavorpack.dev/launcher/internal/errs"
)

// Entry is one workenv (or unknown item) in <root>/workenv, as reported by `cache list`.
type Entry struct {
	ID          string   `json:"id"`
	Name        *string  `json:"name"`
	Version     *string  `json:"version"`
	Complete    bool     `json:"complete"`
	InUse       bool     `json:"in_use"`
	SizeBytes   int64    `json:"size_bytes"`
	LastUsed    *string  `json:"last_used"`
	InstalledAt *string  `json:"installed_at"`
	Unknown     bool     `json:"unknown"`
	Leftovers   []string `json:"leftovers"`
}

// baseID maps a file name in workenv/ to the id it belongs to and whether it is a leftover.
func baseID(name string) (id string, leftover bool) {
	for _, sep := range []string{".staging-", ".removing-", ".ready.tmp-"} {
		if i := strings.Index(name, sep); i > 0 {
			return name[:i], true
		}
	}
	if id, ok := strings.CutSuffix(name, ".lock"); ok {
		return id, false
	}
	if id, ok := strings.CutSuffix(name, ".ready"); ok {
		return id, false
	}
	return name, false
}

// List reports every entry of the cache (an absent cache lists nothing).
func (c *Cache) List() ([]Entry, error) {
	ents, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Entry{}, nil
	}
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to list %s", c.Dir)
	}
	byID := map[string]*Entry{}
	for _, e := range ents {
		id, leftover := baseID(e.Name())
		en := byID[id]
		if en == nil {
			en = &Entry{ID: id, Leftovers: []string{}}
			byID[id] = en
		}
		if leftover {
			en.Leftovers = append(en.Leftovers, e.Name())
		}
	}
	out := make([]Entry, 0, len(byID))
	for _, en := range byID {
		c.describe(en)
		out = append(out, *en)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (c *Cache) describe(en *Entry) {
	base := filepath.Join(c.Dir, en.ID)
	en.SizeBytes = treeSize(base)
	if m, err := ReadMarker(base + ".ready"); err == nil && m.Marker == MarkerFormat && m.ID == en.ID {
		en.Name, en.Version, en.InstalledAt = &m.Package.Name, &m.Package.Version, &m.InstalledAt
		en.Complete = m.TreeIntact(base)
	}
	_, lockErr := os.Lstat(base + ".lock")
	if lockErr == nil {
		if fi, err := os.Stat(base + ".lock"); err == nil {
			t := fi.ModTime().UTC().Format(time.RFC3339)
			en.LastUsed = &t
		}
		en.InUse = inUse(base + ".lock")
	}
	en.Unknown = !LooksLikeIdentity(en.ID) || (lockErr != nil && en.Name == nil)
}

// inUse tries the exclusive lock without waiting; failure means a launcher or app holds it.
func inUse(lockPath string) bool {
	f, err := os.Open(lockPath)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := tryLock(f, true); err != nil {
		return true
	}
	return false
}

// treeSize sums lstat sizes below p without following symbolic links.
func treeSize(p string) int64 {
	var total int64
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if fi, err := d.Info(); err == nil && !d.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	return total
}

// RemoveResult is the outcome of removing one id.
type RemoveResult struct {
	ID         string `json:"id"`
	Status     string `json:"status"` // removed | in_use | not_found | error
	BytesFreed int64  `json:"bytes_freed"`
	Error      string `json:"error,omitempty"`
}

// Remove deletes one workenv by the removal protocol of docs/workenv.md.
func (c *Cache) Remove(id string) RemoveResult {
	res := RemoveResult{ID: id}
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) || filepath.Base(id) != id {
		res.Status, res.Error = "error", "not a cache entry name"
		return res
	}
	base := filepath.Join(c.Dir, id)
	if !anyExists(base, base+".ready", base+".lock") && !hasLeftovers(c.Dir, id) {
		res.Status = "not_found"
		return res
	}
	lk, err := TryAcquire(base+".lock", true)
	if errors.Is(err, ErrWouldBlock) {
		res.Status = "in_use"
		return res
	}
	if err != nil {
		res.Status, res.Error = "error", err.Error()
		return res
	}
	defer lk.Close()
	size := treeSize(base)
	if err := removeLocked(c.Dir, id); err != nil {
		res.Status, res.Error = "error", err.Error()
		return res
	}
	os.Remove(base + ".lock") // while still holding it: waiters re-check the inode and retry
	res.Status, res.BytesFreed = "removed", size
	return res
}

func removeLocked(dir, id string) error {
	base := filepath.Join(dir, id)
	if err := os.Remove(base + ".ready"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if fi, err := os.Lstat(base); err == nil {
		if fi.IsDir() {
			if err := removeTree(base); err != nil {
				return err
			}
		} else if err := os.Remove(base); err != nil {
			return err
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if owner, leftover := baseID(e.Name()); leftover && owner == id {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

func anyExists(paths ...string) bool {
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			return true
		}
	}
	return false
}

func hasLeftovers(dir, id string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if owner, leftover := baseID(e.Name()); leftover && owner == id {
			return true
		}
	}
	return false
}
