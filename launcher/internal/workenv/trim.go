package workenv

import (
	"errors"
	"path/filepath"
)

// TrimResult is the outcome of dropping the cache slots of one workenv (`cache trim`).
type TrimResult struct {
	ID         string   `json:"id"`
	Status     string   `json:"status"` // trimmed | nothing | in_use | not_found | error
	Slots      []string `json:"slots"`  // ids of the cache slots deleted
	BytesFreed int64    `json:"bytes_freed"`
	Error      string   `json:"error,omitempty"`
}

// Trim deletes the targets of the "cache" slots of workenv id, which the next run of the package
// re-extracts (RestoreCacheSlots). Like Remove it takes the exclusive lock without waiting, so a workenv
// in use is skipped; what is deleted comes from the ready marker the launcher wrote. A cache slot whose
// target is {workenv} itself is never trimmed. The cache must have been opened by CheckExisting.
func (c *Cache) Trim(id string) TrimResult {
	res := TrimResult{ID: id, Slots: []string{}}
	if !validID(id) {
		res.Status, res.Error = "error", "not a cache entry name"
		return res
	}
	if c.dir == nil || !c.anyExists(id+".ready") {
		res.Status = "not_found"
		return res
	}
	lk, status, errText := c.tryLockEntry(id)
	if lk == nil {
		res.Status, res.Error = status, errText
		return res
	}
	defer lk.Close()
	if err := c.trimLocked(id, &res); err != nil {
		res.Status, res.Error = "error", err.Error()
		return res
	}
	res.Status = "nothing"
	if len(res.Slots) > 0 {
		res.Status = "trimmed"
	}
	return res
}

func (c *Cache) trimLocked(id string, res *TrimResult) error {
	m, err := ReadMarker(c.dir, id+".ready")
	if err != nil || m.Marker != MarkerFormat || m.ID != id {
		return errors.New("the ready marker is missing or damaged")
	}
	wroot, err := c.dir.OpenRoot(id)
	if err != nil {
		return err
	}
	defer wroot.Close()
	for _, s := range m.Slots {
		rel := slotRel(s.Target)
		if !LifecycleOf(s.Lifecycle).Trimmable() || rel == "" {
			continue
		}
		name := filepath.FromSlash(rel)
		if _, err := wroot.Lstat(name); err != nil {
			continue
		}
		size := treeSize(wroot, name)
		if err := removeTree(wroot, name); err != nil {
			return err
		}
		res.Slots = append(res.Slots, s.ID)
		res.BytesFreed += size
	}
	return nil
}

// validID refuses anything but one plain name in workenv/.
// tryLockEntry takes workenv id's lock exclusively without waiting (Remove, Trim). Without the lock it
// returns the result status: "in_use" when another process holds it, else "error" and why.
func (c *Cache) tryLockEntry(id string) (*Lock, string, string) {
	lk, err := TryAcquire(c.dir, id+".lock", true)
	if errors.Is(err, ErrWouldBlock) {
		return nil, "in_use", ""
	}
	if err != nil {
		return nil, "error", err.Error()
	}
	return lk, "", ""
}

func validID(id string) bool {
	return id != "" && id != "." && id != ".." && filepath.Base(id) == id && !containsSep(id)
}

func containsSep(s string) bool {
	for _, c := range s {
		if c == '/' || c == '\\' {
			return true
		}
	}
	return false
}
