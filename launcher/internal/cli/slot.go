package cli

import (
	"fmt"
	"strconv"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/jsonlite"
	"flavorpack.dev/launcher/internal/verify"
	"flavorpack.dev/launcher/internal/workenv"
)

// slotCmd implements `slot ensure|path|list` (docs/launcher.md "CLI mode"): the way an app asks for a
// lazy slot. The package is authenticated as for a launch.
func (a *App) slotCmd(args []string) error {
	if len(args) == 0 {
		return usageErr("slot needs ensure, path or list")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "ensure", "path":
		if len(rest) != 1 {
			return usageErr("slot %s needs one SLOT (index or id)", sub)
		}
	case "list":
		if len(rest) > 1 || (len(rest) == 1 && rest[0] != "--json") {
			return usageErr("slot list takes only --json")
		}
	default:
		return usageErr("unknown slot command %q", sub)
	}
	return a.withPackage(true, func(p *verify.Package) error {
		cache, err := workenv.ResolveRoot(a.Getenv)
		if err != nil {
			return err
		}
		in := a.installer(cache, p)
		switch sub {
		case "ensure":
			return a.slotEnsure(in, rest[0])
		case "path":
			i, err := findSlot(p, rest[0])
			if err != nil {
				return err
			}
			path, err := in.SlotPath(i)
			if err == nil {
				fmt.Fprintln(a.Stdout, path)
			}
			return err
		}
		return a.slotList(in, len(rest) == 1)
	})
}

// slotEnsure installs the workenv if needed, extracts the slot if it is lazy and not extracted yet, and
// prints its absolute path: the one line on stdout.
func (a *App) slotEnsure(in *workenv.Installer, selector string) error {
	i, err := findSlot(in.Pkg, selector)
	if err != nil {
		return err
	}
	if err := in.Cache.Prepare(); err != nil {
		return err
	}
	lock, _, err := in.Ensure()
	if err != nil {
		return err
	}
	defer lock.Close()
	path, err := in.EnsureSlot(i)
	if err != nil {
		return err
	}
	// The app is handed a path: prove it leads to the folder the launcher checked and holds.
	if err := in.Cache.ConfirmPath(in.ID); err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, path)
	return nil
}

type slotState struct {
	Index     int    `json:"index"`
	ID        string `json:"id"`
	Lifecycle string `json:"lifecycle"`
	Path      string `json:"path"`
	State     string `json:"state"`
}

func (s slotState) JSONObject() jsonlite.Obj {
	return jsonlite.Obj{{Key: "index", Value: s.Index}, {Key: "id", Value: s.ID}, {Key: "lifecycle", Value: s.Lifecycle},
		{Key: "path", Value: s.Path}, {Key: "state", Value: s.State}}
}

// slotList reports every slot and whether it is in the workenv, without installing or extracting.
func (a *App) slotList(in *workenv.Installer, asJSON bool) error {
	exists, err := in.Cache.CheckExisting()
	if err != nil {
		return err
	}
	installed := exists && in.Installed()
	states := make([]slotState, len(in.Pkg.Meta.Slots))
	for i, s := range in.Pkg.Meta.Slots {
		path, err := in.SlotPath(i)
		if err != nil {
			return err
		}
		state := "not installed"
		switch {
		case installed && strings.EqualFold(s.Lifecycle, "init"):
			state = "removed after setup"
		case installed && workenv.IsLazy(s) && in.LazyReady(i):
			state = "extracted"
		case installed && workenv.IsLazy(s):
			state = "not extracted (lazy)"
		case installed:
			state = "extracted"
		}
		states[i] = slotState{Index: i, ID: s.ID, Lifecycle: s.Lifecycle, Path: path, State: state}
	}
	return a.emit(asJSON, map[string]any{"workenv": in.Workenv(), "installed": installed, "slots": jsonlite.List(states)}, func() {
		for _, s := range states {
			fmt.Fprintf(a.Stdout, "[%d] %s (%s): %s — %s\n", s.Index, s.ID, s.Lifecycle, s.Path, s.State)
		}
	})
}

// findSlot finds a slot by index ("0") or id ("models"), as `extract` does.
func findSlot(p *verify.Package, selector string) (int, error) {
	if n, err := strconv.Atoi(selector); err == nil && n >= 0 && n < len(p.Slots) {
		return n, nil
	}
	ids := make([]string, len(p.Meta.Slots))
	for i, s := range p.Meta.Slots {
		if s.ID == selector {
			return i, nil
		}
		ids[i] = strconv.Itoa(i) + ":" + s.ID
	}
	return -1, errs.New(errs.Usage, "no slot %q in this package", selector).
		WithHint("slots: " + strings.Join(ids, ", "))
}
