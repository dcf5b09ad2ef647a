package launch

import (
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"flavorpack.dev/launcher/internal/format"
)

// EnvMap is a set of environment variables without duplicates. On Windows names compare
// case-insensitively, keeping the first spelling seen.
type EnvMap struct {
	fold  bool
	names map[string]string // key → name as spelled
	vals  map[string]string // key → value
}

// NewEnvMap parses "NAME=value" entries (later entries win).
func NewEnvMap(environ []string) *EnvMap {
	m := &EnvMap{fold: runtime.GOOS == "windows", names: map[string]string{}, vals: map[string]string{}}
	for _, kv := range environ {
		i := strings.IndexByte(kv, '=')
		if i <= 0 { // also skips Windows "=C:=C:\" entries
			continue
		}
		m.Set(kv[:i], kv[i+1:])
	}
	return m
}

func (m *EnvMap) key(name string) string {
	if m.fold {
		return strings.ToUpper(name)
	}
	return name
}

// Set assigns a variable.
func (m *EnvMap) Set(name, value string) {
	k := m.key(name)
	if _, ok := m.names[k]; !ok {
		m.names[k] = name
	}
	m.vals[k] = value
}

// Get returns a variable's value.
func (m *EnvMap) Get(name string) (string, bool) {
	v, ok := m.vals[m.key(name)]
	return v, ok
}

// Delete removes a variable.
func (m *EnvMap) Delete(name string) {
	k := m.key(name)
	delete(m.names, k)
	delete(m.vals, k)
}

// Names returns the variable names, sorted.
func (m *EnvMap) Names() []string {
	out := make([]string, 0, len(m.names))
	for _, n := range m.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Environ returns "NAME=value" entries, sorted by name.
func (m *EnvMap) Environ() []string {
	names := m.Names()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + "=" + m.vals[m.key(n)]
	}
	return out
}

// matches reports whether name matches a name or glob ("*", "LC_*", "FLAVOR_?").
func (m *EnvMap) matches(pattern, name string) bool {
	if m.fold {
		pattern, name = strings.ToUpper(pattern), strings.ToUpper(name)
	}
	if pattern == name {
		return true
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

var windowsProtected = []string{"SYSTEMROOT", "WINDIR", "TEMP", "TMP", "PATHEXT", "COMSPEC"}

// ApplyRuntime applies runtime.env: pass protects names/globs; map renames old→new unless old is
// protected, reading old from the environment *before* unset (so unset = ["*"] with a map keeps the
// renamed values); unset removes names/globs ("*" = every unprotected variable); set assigns. The set
// values are used as given: BuildEnv substitutes their placeholders first.
func (m *EnvMap) ApplyRuntime(rt *format.RuntimeEnv) {
	if rt == nil {
		return
	}
	pass := append([]string{}, rt.Pass...)
	if m.fold {
		pass = append(pass, windowsProtected...)
	}
	protected := func(name string) bool {
		for _, p := range pass {
			if m.matches(p, name) {
				return true
			}
		}
		return false
	}
	type rename struct{ old, new, value string }
	var renames []rename
	for _, old := range sortedKeys(rt.Map) {
		if v, ok := m.Get(old); ok && !protected(old) {
			renames = append(renames, rename{old, rt.Map[old], v})
		}
	}
	for _, pattern := range rt.Unset {
		for _, name := range m.Names() {
			if !protected(name) && m.matches(pattern, name) {
				m.Delete(name)
			}
		}
	}
	for _, r := range renames {
		m.Delete(r.old)
		m.Set(r.new, r.value)
	}
	for _, name := range sortedKeys(rt.Set) {
		m.Set(name, rt.Set[name])
	}
}

// workenvVariable is how a runtime.env set value may name the workenv besides {workenv}.
var workenvVariable = strings.NewReplacer("${FLAVOR_WORKENV}", "{workenv}", "$FLAVOR_WORKENV", "{workenv}")

// substitutedRuntime returns rt with its set values' placeholders ({workenv}, $FLAVOR_WORKENV, …) replaced.
func substitutedRuntime(rt *format.RuntimeEnv, p Placeholders) (*format.RuntimeEnv, error) {
	if rt == nil || len(rt.Set) == 0 {
		return rt, nil
	}
	out := *rt
	out.Set = make(map[string]string, len(rt.Set))
	for name, value := range rt.Set {
		v, err := p.Substitute(workenvVariable.Replace(value))
		if err != nil {
			return nil, err
		}
		out.Set[name] = v
	}
	return &out, nil
}

// Context is what the launcher knows about this launch.
type Context struct {
	Placeholders
	CacheRoot   string
	PackagePath string
	Argv0       string
	RunDir      string // the per-run folder of temp slots ("" when the package has none)
	StoreDir    string // the persistent store ("" when the package has no persistent slots)
}

// BuildEnv builds the child's environment in the documented order: inherited, runtime.env,
// workenv.env, execution.env (or execution.environment), then FLAVOR_* and PATH.
func BuildEnv(inherited []string, meta *format.Metadata, ctx Context) (*EnvMap, error) {
	m := NewEnvMap(inherited)
	if meta.Runtime != nil {
		rt, err := substitutedRuntime(meta.Runtime.Env, ctx.Placeholders)
		if err != nil {
			return nil, err
		}
		m.ApplyRuntime(rt)
	}
	if meta.Workenv != nil {
		if err := m.setSubstituted(meta.Workenv.Env, ctx.Placeholders); err != nil {
			return nil, err
		}
	}
	execEnv := meta.Execution.Env
	if execEnv == nil {
		execEnv = meta.Execution.Environment
	}
	if err := m.setSubstituted(execEnv, ctx.Placeholders); err != nil {
		return nil, err
	}
	m.Set("FLAVOR_WORKENV", filepath.FromSlash(ctx.Workenv))
	m.Set("FLAVOR_CACHE", ctx.CacheRoot)
	m.Set("FLAVOR_PACKAGE", meta.Package.Name)
	m.Set("FLAVOR_VERSION", meta.Package.Version)
	m.Set("FLAVOR_COMMAND_NAME", baseName(ctx.Argv0))
	m.Set("FLAVOR_ORIGINAL_COMMAND", ctx.Argv0)
	m.Set("FLAVOR_PACKAGE_PATH", ctx.PackagePath)
	setSlotVars(m, meta, ctx)
	bin := filepath.Join(filepath.FromSlash(ctx.Workenv), "bin")
	if old, ok := m.Get("PATH"); ok && old != "" {
		m.Set("PATH", bin+string(filepath.ListSeparator)+old)
	} else {
		m.Set("PATH", bin)
	}
	return m, nil
}

func (m *EnvMap) setSubstituted(vars map[string]string, p Placeholders) error {
	for _, name := range sortedKeys(vars) {
		v, err := p.Substitute(vars[name])
		if err != nil {
			return err
		}
		m.Set(name, v)
	}
	return nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
