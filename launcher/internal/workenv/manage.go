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

// List reports every entry of the cache (an absent cache lists nothing). The cache must have been
// opened by CheckExisting.
func (c *Cache) List() ([]Entry, error) {
	if c.dir == nil {
		return []Entry{}, nil
	}
	names, err := readNames(c.dir, ".")
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to list %s", c.Dir)
	}
	byID := map[string]*Entry{}
	for _, name := range names {
		id, leftover := baseID(name)
		en := byID[id]
		if en == nil {
			en = &Entry{ID: id, Leftovers: []string{}}
			byID[id] = en
		}
		if leftover {
			en.Leftovers = append(en.Leftovers, name)
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
	en.SizeBytes = treeSize(c.dir, en.ID)
	if m, err := ReadMarker(c.dir, en.ID+".ready"); err == nil && m.Marker == MarkerFormat && m.ID == en.ID {
		en.Name, en.Version, en.InstalledAt = &m.Package.Name, &m.Package.Version, &m.InstalledAt
		en.Complete = m.TreeIntact(c.dir, en.ID)
	}
	fi, lockErr := c.dir.Lstat(en.ID + ".lock")
	if lockErr == nil {
		t := fi.ModTime().UTC().Format(time.RFC3339)
		en.LastUsed = &t
		en.InUse = inUse(c.dir, en.ID+".lock")
	}
	en.Unknown = !LooksLikeIdentity(en.ID) || (lockErr != nil && en.Name == nil)
}

// inUse tries the exclusive lock without waiting; failure means a launcher or app holds it.
func inUse(dir *os.Root, name string) bool {
	f, err := dir.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := tryLock(f, true); err != nil {
		return true
	}
	return false
}

// treeSize sums lstat sizes below name in dir without following symbolic links.
func treeSize(dir *os.Root, name string) int64 {
	fi, err := dir.Lstat(name)
	if err != nil {
		return 0
	}
	if !fi.IsDir() {
		return fi.Size()
	}
	names, err := readNames(dir, name)
	if err != nil {
		return 0
	}
	var total int64
	for _, n := range names {
		total += treeSize(dir, filepath.Join(name, n))
	}
	return total
}

// RemoveResult is the outcome of removing one id.
type RemoveResult struct {
	ID         string `json:"id"`
	Status     string `json:"status"` // removed | in_use | not_found | error
	BytesFreed int64  `json:"bytes_freed"`
	Error      string `json:"error,omitempty"`
}

// Remove deletes one workenv by the removal protocol of docs/workenv.md. The cache must have been
// opened by CheckExisting.
func (c *Cache) Remove(id string) RemoveResult {
	res := RemoveResult{ID: id}
	if !validID(id) {
		res.Status, res.Error = "error", "not a cache entry name"
		return res
	}
	if c.dir == nil || !c.anyExists(id, id+".ready", id+".lock") && !c.hasLeftovers(id) {
		res.Status = "not_found"
		return res
	}
	lk, status, errText := c.tryLockEntry(id)
	if lk == nil {
		res.Status, res.Error = status, errText
		return res
	}
	defer lk.Close()
	size := treeSize(c.dir, id)
	if err := c.removeLocked(id); err != nil {
		res.Status, res.Error = "error", err.Error()
		return res
	}
	c.dir.Remove(id + ".lock") // while still holding it: waiters re-check the inode and retry
	res.Status, res.BytesFreed = "removed", size
	return res
}

func (c *Cache) removeLocked(id string) error {
	if err := c.dir.Remove(id + ".ready"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if fi, err := c.dir.Lstat(id); err == nil {
		if fi.IsDir() {
			if err := removeTree(c.dir, id); err != nil {
				return err
			}
		} else if err := c.dir.Remove(id); err != nil {
			return err
		}
	}
	names, _ := readNames(c.dir, ".")
	for _, n := range names {
		if owner, leftover := baseID(n); leftover && owner == id {
			c.dir.RemoveAll(n)
		}
	}
	return nil
}

func (c *Cache) anyExists(names ...string) bool {
	for _, n := range names {
		if _, err := c.dir.Lstat(n); err == nil {
			return true
		}
	}
	return false
}

func (c *Cache) hasLeftovers(id string) bool {
	names, _ := readNames(c.dir, ".")
	for _, n := range names {
		if owner, leftover := baseID(n); leftover && owner == id {
			return true
		}
	}
	return false
}
