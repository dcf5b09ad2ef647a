package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/workenv"
)

// cacheCmd implements `cache root|list|remove [--json]`; it works on a bare launcher too.
func (a *App) cacheCmd(args []string) error {
	if len(args) == 0 {
		return usageErr("cache needs root, list or remove")
	}
	sub, rest := args[0], args[1:]
	asJSON := false
	var ids []string
	for _, arg := range rest {
		if arg == "--json" {
			asJSON = true
		} else {
			ids = append(ids, arg)
		}
	}
	cache, err := workenv.ResolveRoot(a.Getenv)
	if err != nil {
		return err
	}
	switch sub {
	case "root":
		_, statErr := os.Stat(cache.Root)
		return a.emit(asJSON, map[string]any{"root": cache.Root, "workenv_dir": cache.Dir, "rule": cache.Rule, "exists": statErr == nil},
			func() { fmt.Fprintf(a.Stdout, "%s (%s)\n", cache.Root, cache.Rule) })
	case "list":
		if len(ids) > 0 {
			return usageErr("cache list takes no ids")
		}
		if _, err := cache.CheckExisting(); err != nil {
			return err
		}
		entries, err := cache.List()
		if err != nil {
			return err
		}
		return a.emit(asJSON, map[string]any{"root": cache.Root, "workenv_dir": cache.Dir, "entries": entries}, func() { a.printEntries(entries) })
	case "remove":
		if len(ids) == 0 {
			return usageErr("cache remove needs at least one id")
		}
		if _, err := cache.CheckExisting(); err != nil {
			return err
		}
		results := make([]workenv.RemoveResult, 0, len(ids))
		failed := 0
		for _, id := range ids {
			r := cache.Remove(id)
			if r.Status == "error" {
				failed++
			}
			results = append(results, r)
		}
		err := a.emit(asJSON, map[string]any{"root": cache.Root, "results": results}, func() {
			for _, r := range results {
				fmt.Fprintf(a.Stdout, "%-10s %s (%d bytes freed) %s\n", r.Status, r.ID, r.BytesFreed, r.Error)
			}
		})
		if err == nil && failed > 0 {
			return errs.New(errs.CacheError, "%d of %d removals failed", failed, len(ids))
		}
		return err
	}
	return usageErr("unknown cache command %q", sub)
}

func (a *App) emit(asJSON bool, v any, human func()) error {
	if !asJSON {
		human()
		return nil
	}
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *App) printEntries(entries []workenv.Entry) {
	if len(entries) == 0 {
		fmt.Fprintln(a.Stdout, "no workenvs in the cache")
		return
	}
	for _, e := range entries {
		state := "incomplete"
		switch {
		case e.Unknown:
			state = "unknown"
		case e.Complete:
			state = "ready"
		}
		if e.InUse {
			state += ", in use"
		}
		last := "-"
		if e.LastUsed != nil {
			last = *e.LastUsed
		}
		fmt.Fprintf(a.Stdout, "%-50s %10d bytes  last used %s  (%s)\n", e.ID, e.SizeBytes, last, state)
	}
}

func sortedCommandNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
