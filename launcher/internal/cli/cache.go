package cli

import (
	"fmt"
	"os"
	"sort"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/jsonlite"
	"flavorpack.dev/launcher/internal/workenv"
)

// cacheCmd implements `cache root|list|remove [--json]`; it works on a bare launcher too.
func (a *App) cacheCmd(args []string) error {
	if len(args) == 0 {
		return usageErr("cache needs root, list, remove, trim or remove-persistent")
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
		stores, err := cache.Stores(entries)
		if err != nil {
			return err
		}
		return a.emit(asJSON, map[string]any{"root": cache.Root, "workenv_dir": cache.Dir, "entries": jsonlite.List(entries), "persistent": jsonlite.List(stores)},
			func() { a.printEntries(entries); a.printStores(stores) })
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
		err := a.emit(asJSON, map[string]any{"root": cache.Root, "results": jsonlite.List(results)}, func() {
			for _, r := range results {
				fmt.Fprintf(a.Stdout, "%-10s %s (%d bytes freed) %s\n", r.Status, r.ID, r.BytesFreed, r.Error)
			}
		})
		if err == nil && failed > 0 {
			return errs.New(errs.CacheError, "%d of %d removals failed", failed, len(ids))
		}
		return err
	case "trim", "remove-persistent":
		return a.cacheEach(cache, sub, ids, asJSON)
	}
	return usageErr("unknown cache command %q", sub)
}

// cacheEach runs `cache trim ID…` (drop the cache slots of workenvs) or `cache remove-persistent NAME…`
// (delete the persistent stores of package names) and reports one result per argument.
func (a *App) cacheEach(cache *workenv.Cache, sub string, args []string, asJSON bool) error {
	if len(args) == 0 {
		return usageErr("cache %s needs at least one argument", sub)
	}
	if _, err := cache.CheckExisting(); err != nil {
		return err
	}
	results := make([]any, 0, len(args))
	failed := 0
	for _, arg := range args {
		var r any
		status := ""
		if sub == "trim" {
			t := cache.Trim(arg)
			r, status = t, t.Status
		} else {
			t := cache.RemoveStore(arg)
			r, status = t, t.Status
		}
		if status == "error" {
			failed++
		}
		results = append(results, r)
	}
	err := a.emit(asJSON, map[string]any{"root": cache.Root, "results": results}, func() {
		for _, r := range results {
			fmt.Fprintf(a.Stdout, "%s\n", jsonlite.Marshal(r))
		}
	})
	if err == nil && failed > 0 {
		return errs.New(errs.CacheError, "%d of %d operations failed", failed, len(args))
	}
	return err
}

func (a *App) printStores(stores []workenv.StoreEntry) {
	for _, s := range stores {
		fmt.Fprintf(a.Stdout, "persistent %-39s %10d bytes  %s\n", s.Name, s.SizeBytes, s.Path)
	}
}

func (a *App) emit(asJSON bool, v any, human func()) error {
	if !asJSON {
		human()
		return nil
	}
	_, err := a.Stdout.Write(append(jsonlite.MarshalIndent(v, "  "), '\n'))
	return err
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
