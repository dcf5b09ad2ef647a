package workenv

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/payload"
)

// removeInitSlots deletes what the init slots put in the staging folder, once the setup commands ran.
// An init slot whose target no staying slot wrote into is deleted whole (with whatever setup left in
// it). Otherwise — a target of {workenv} itself, or a folder it shares with other slots — only the
// entries the init slot wrote and no staying slot wrote are deleted, then the folders that became
// empty: the other slots' files are never lost.
func removeInitSlots(root *os.Root, meta *format.Metadata, placed []*payload.Placed) error {
	keep := stayingPaths(meta, placed)
	for i, s := range meta.Slots {
		if LifecycleOf(s.Lifecycle) != Init || placed[i] == nil {
			continue
		}
		rel, err := payload.TargetPath(s.Target)
		if err != nil {
			return err
		}
		if rel != "" && !overlaps(rel, keep) {
			if err := root.RemoveAll(filepath.FromSlash(rel)); err != nil {
				return errs.Wrap(errs.IOError, err, "failed to remove init slot %d path %s", i, rel)
			}
			continue
		}
		if err := removeOwnEntries(root, placed[i].Paths, keep); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to remove init slot %d", i)
		}
	}
	return nil
}

// stayingPaths is every path written by a slot that stays in the workenv, with all its parent folders.
func stayingPaths(meta *format.Metadata, placed []*payload.Placed) map[string]bool {
	keep := map[string]bool{}
	for i, s := range meta.Slots {
		if placed[i] == nil || LifecycleOf(s.Lifecycle) == Init {
			continue
		}
		for _, p := range placed[i].Paths {
			for ; p != "." && p != "" && !keep[p]; p = path.Dir(p) {
				keep[p] = true
			}
		}
	}
	return keep
}

func overlaps(rel string, keep map[string]bool) bool {
	for k := range keep {
		if k == rel || strings.HasPrefix(k, rel+"/") {
			return true
		}
	}
	return false
}

// removeOwnEntries deletes the paths (and their parent folders) that are not in keep, deepest first;
// a folder is deleted only when empty.
func removeOwnEntries(root *os.Root, paths []string, keep map[string]bool) error {
	cand := map[string]bool{}
	for _, p := range paths {
		for ; p != "." && p != "" && !keep[p]; p = path.Dir(p) {
			cand[p] = true
		}
	}
	order := make([]string, 0, len(cand))
	for p := range cand {
		order = append(order, p)
	}
	sort.Slice(order, func(i, j int) bool { return strings.Count(order[i], "/") > strings.Count(order[j], "/") })
	for _, p := range order {
		fi, err := root.Lstat(filepath.FromSlash(p))
		if err != nil {
			continue
		}
		err = root.Remove(filepath.FromSlash(p))
		if err != nil && !fi.IsDir() {
			return err
		}
	}
	return nil
}
