package launch

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/jsonlite"
	"flavorpack.dev/launcher/internal/payload"
)

// SetupCommand is one entry of setup_commands (upstream-compatible types).
type SetupCommand struct {
	Type      string
	Command   string
	Path      string
	Content   string
	Mode      any // a string, a number (jsonlite.Number) or nil: parseMode
	Enumerate *Enumerate
}

// Enumerate is the "enumerate" object of a setup command.
type Enumerate struct {
	Path    string
	Pattern string
}

// ParseSetup decodes setup_commands (each one JSON text); a bare string is an "execute" command.
func ParseSetup(raw [][]byte) ([]SetupCommand, error) {
	out := make([]SetupCommand, 0, len(raw))
	for i, r := range raw {
		v, err := jsonlite.Parse(r)
		if s, ok := v.(string); ok {
			out = append(out, SetupCommand{Type: "execute", Command: s})
			continue
		}
		var c SetupCommand
		if err == nil {
			c, err = decodeSetupCommand(v)
		}
		if err != nil {
			return nil, errs.Wrap(errs.MetadataSchema, err, "setup_commands[%d] is not a setup command", i)
		}
		out = append(out, c)
	}
	return out, nil
}

// decodeSetupCommand reads a setup command's keys exactly as written: a key that inspect shows as
// unknown ("Type", "COMMAND") must not steer what runs; the metadata decoder reads keys exactly for the
// same reason (format/decode.go). A missing key or null leaves the field empty.
func decodeSetupCommand(v any) (SetupCommand, error) {
	var c SetupCommand
	obj, ok := v.(map[string]any)
	if !ok {
		return c, fmt.Errorf("expected a string or an object, got %s", kindOf(v))
	}
	fields := []struct {
		key string
		dst *string
	}{{"type", &c.Type}, {"command", &c.Command}, {"path", &c.Path}, {"content", &c.Content}}
	for _, f := range fields {
		if err := stringField(obj, f.key, "", f.dst); err != nil {
			return c, err
		}
	}
	c.Mode = obj["mode"]
	if e, ok := obj["enumerate"]; ok && e != nil {
		eo, ok := e.(map[string]any)
		if !ok {
			return c, fmt.Errorf("enumerate: expected an object, got %s", kindOf(e))
		}
		c.Enumerate = &Enumerate{}
		if err := stringField(eo, "path", "enumerate.", &c.Enumerate.Path); err != nil {
			return c, err
		}
		if err := stringField(eo, "pattern", "enumerate.", &c.Enumerate.Pattern); err != nil {
			return c, err
		}
	}
	return c, nil
}

// stringField sets *dst to obj[key] when it is a string; missing or null leaves it, anything else is
// an error.
func stringField(obj map[string]any, key, prefix string, dst *string) error {
	switch v := obj[key].(type) {
	case nil:
	case string:
		*dst = v
	default:
		return fmt.Errorf("%s%s: expected a string, got %s", prefix, key, kindOf(v))
	}
	return nil
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case bool:
		return "a boolean"
	case jsonlite.Number:
		return "a number"
	}
	return "null"
}

// Setup runs setup commands inside the staging folder (ph.Workenv = staging path). Their stdout goes
// to stderr: the launcher never writes to stdout.
type Setup struct {
	Ph  Placeholders
	Env *EnvMap
	Log func(format string, args ...any)
	Out io.Writer // child stdout and stderr (os.Stderr)
}

// Run executes every command in order and stops at the first failure.
func (s *Setup) Run(cmds []SetupCommand) error {
	for i, c := range cmds {
		if s.Log != nil {
			s.Log("setup command %d: %s", i, c.Type)
		}
		if err := s.one(c); err != nil {
			code := errs.IOError
			if e, ok := errs.As(err); ok {
				code = e.Code // keep UNSAFE_PATH and the like
			}
			return errs.Wrap(code, err, "setup command %d (%s) failed", i, c.Type).WithExit(errs.ExitExtract)
		}
	}
	return nil
}

func (s *Setup) one(c SetupCommand) error {
	switch c.Type {
	case "execute", "":
		return s.run(c.Command, nil)
	case "shell":
		line, err := s.Ph.Substitute(c.Command)
		if err != nil {
			return err
		}
		if runtime.GOOS == "windows" {
			return s.exec([]string{"cmd", "/c", line})
		}
		return s.exec([]string{"/bin/sh", "-c", line})
	case "enumerate_and_execute":
		return s.enumerate(c)
	case "write_file":
		return s.writeFile(c)
	case "chmod":
		return s.chmod(c)
	}
	return fmt.Errorf("unknown setup command type %q", c.Type)
}

func (s *Setup) run(line string, extra []string) error {
	words, err := s.Ph.SplitSubstituted(line)
	if err != nil {
		return err
	}
	return s.exec(append(words, extra...))
}

func (s *Setup) exec(words []string) error {
	if len(words) == 0 {
		return fmt.Errorf("empty command")
	}
	prog, err := Resolve(words[0], s.Ph.Workenv, s.Env)
	if err != nil {
		return err
	}
	cmd := &exec.Cmd{Path: prog, Args: append([]string{prog}, words[1:]...), Env: s.Env.Environ(),
		Dir: filepath.FromSlash(s.Ph.Workenv), Stdout: s.Out, Stderr: s.Out}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(words, " "), err)
	}
	return nil
}

func (s *Setup) enumerate(c SetupCommand) error {
	if c.Enumerate == nil {
		return fmt.Errorf("enumerate_and_execute needs an enumerate object")
	}
	root, err := s.openRoot()
	if err != nil {
		return err
	}
	defer root.Close()
	dir, err := s.inside(root, c.Enumerate.Path)
	if err != nil {
		return err
	}
	pattern := c.Enumerate.Pattern
	if pattern == "" {
		pattern = "*"
	}
	// Globbing through the handle: a match can only be a name inside the workenv.
	matches, err := fs.Glob(root.FS(), path.Join(dir, pattern))
	if err != nil {
		return err
	}
	sort.Strings(matches)
	for _, m := range matches {
		if err := s.run(c.Command, []string{s.abs(m)}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Setup) writeFile(c SetupCommand) error {
	root, err := s.openRoot()
	if err != nil {
		return err
	}
	defer root.Close()
	rel, err := s.inside(root, c.Path)
	if err != nil {
		return err
	}
	content, err := s.Ph.Substitute(c.Content)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if m, ok := parseMode(c.Mode); ok {
		mode = m
	}
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	return root.WriteFile(rel, []byte(content), mode)
}

func (s *Setup) chmod(c SetupCommand) error {
	mode := os.FileMode(0o700)
	if m, ok := parseMode(c.Mode); ok {
		mode = m
	}
	root, err := s.openRoot()
	if err != nil {
		return err
	}
	defer root.Close()
	if dir, ok := strings.CutSuffix(c.Path, "*"); ok {
		d, err := s.inside(root, strings.TrimRight(dir, "/"))
		if err != nil {
			return err
		}
		entries, err := fs.ReadDir(root.FS(), d)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				if err := root.Chmod(path.Join(d, e.Name()), mode); err != nil {
					return err
				}
			}
		}
		return nil
	}
	p, err := s.inside(root, c.Path)
	if err != nil {
		return err
	}
	return root.Chmod(p, mode)
}

// openRoot opens the workenv being set up. Every file operation of a setup command goes through this
// handle, so a symlink cannot lead it outside: os.Root refuses any resolution that leaves the folder.
func (s *Setup) openRoot() (*os.Root, error) {
	r, err := os.OpenRoot(filepath.FromSlash(s.Ph.Workenv))
	if err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to open the workenv %s", s.Ph.Workenv)
	}
	return r, nil
}

// inside substitutes placeholders in p and returns it as a slash path relative to the workenv ("." for
// the workenv itself). A path outside the workenv, lexically or by following the links on disk (the rule
// of tar extraction), is refused with UNSAFE_PATH.
func (s *Setup) inside(root *os.Root, p string) (string, error) {
	v, err := s.Ph.Substitute(p)
	if err != nil {
		return "", err
	}
	base := filepath.Clean(filepath.FromSlash(s.Ph.Workenv))
	if !filepath.IsAbs(filepath.FromSlash(v)) {
		v = filepath.Join(base, v)
	}
	v = filepath.Clean(filepath.FromSlash(v))
	if v != base && !strings.HasPrefix(v, base+string(filepath.Separator)) {
		return "", errs.New(errs.UnsafePath, "setup path %q is outside the workenv", p)
	}
	rel, err := filepath.Rel(base, v)
	if err != nil {
		return "", errs.Wrap(errs.UnsafePath, err, "setup path %q is outside the workenv", p)
	}
	rel = filepath.ToSlash(rel)
	ok, err := payload.ResolvesInside(root, rel)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errs.New(errs.UnsafePath, "setup path %q leads outside the workenv through a symbolic link", p)
	}
	return rel, nil
}

// abs turns a slash path relative to the workenv into the path a command is given.
func (s *Setup) abs(rel string) string {
	return filepath.Join(filepath.FromSlash(s.Ph.Workenv), filepath.FromSlash(rel))
}

// parseMode accepts an octal string ("755", "0o700") or a JSON number (read as decimal file mode).
func parseMode(mode any) (os.FileMode, bool) {
	switch m := mode.(type) {
	case string:
		v, ok := format.ParsePermissions(m)
		return os.FileMode(v) & 0o777, ok
	case jsonlite.Number: // an integer literal in uint32 range, as encoding/json read it into a uint32
		n, err := strconv.ParseUint(string(m), 10, 32)
		if err == nil && n <= 0o7777 {
			return os.FileMode(n) & 0o777, true
		}
	}
	return 0, false
}
