package launch

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// SetupCommand is one entry of setup_commands (upstream-compatible types).
type SetupCommand struct {
	Type      string          `json:"type"`
	Command   string          `json:"command"`
	Path      string          `json:"path"`
	Content   string          `json:"content"`
	Mode      json.RawMessage `json:"mode"`
	Enumerate *struct {
		Path    string `json:"path"`
		Pattern string `json:"pattern"`
	} `json:"enumerate"`
}

// ParseSetup decodes setup_commands; a bare string is an "execute" command.
func ParseSetup(raw []json.RawMessage) ([]SetupCommand, error) {
	out := make([]SetupCommand, 0, len(raw))
	for i, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, SetupCommand{Type: "execute", Command: s})
			continue
		}
		var c SetupCommand
		if err := json.Unmarshal(r, &c); err != nil {
			return nil, errs.Wrap(errs.MetadataSchema, err, "setup_commands[%d] is not a setup command", i)
		}
		out = append(out, c)
	}
	return out, nil
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
			return errs.Wrap(errs.IOError, err, "setup command %d (%s) failed", i, c.Type).WithExit(errs.ExitExtract)
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
	line, err := s.Ph.Substitute(line)
	if err != nil {
		return err
	}
	words, err := Split(line)
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
	dir, err := s.inside(c.Enumerate.Path)
	if err != nil {
		return err
	}
	pattern := c.Enumerate.Pattern
	if pattern == "" {
		pattern = "*"
	}
	matches, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return err
	}
	sort.Strings(matches)
	for _, m := range matches {
		if err := s.run(c.Command, []string{m}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Setup) writeFile(c SetupCommand) error {
	p, err := s.inside(c.Path)
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
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), mode)
}

func (s *Setup) chmod(c SetupCommand) error {
	mode := os.FileMode(0o700)
	if m, ok := parseMode(c.Mode); ok {
		mode = m
	}
	if dir, ok := strings.CutSuffix(c.Path, "*"); ok {
		d, err := s.inside(strings.TrimRight(dir, "/"))
		if err != nil {
			return err
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				if err := os.Chmod(filepath.Join(d, e.Name()), mode); err != nil {
					return err
				}
			}
		}
		return nil
	}
	p, err := s.inside(c.Path)
	if err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

// inside substitutes placeholders in p and refuses a result outside the workenv being set up.
func (s *Setup) inside(p string) (string, error) {
	v, err := s.Ph.Substitute(p)
	if err != nil {
		return "", err
	}
	root := filepath.Clean(filepath.FromSlash(s.Ph.Workenv))
	if !filepath.IsAbs(filepath.FromSlash(v)) {
		v = filepath.Join(root, v)
	}
	v = filepath.Clean(filepath.FromSlash(v))
	if v != root && !strings.HasPrefix(v, root+string(filepath.Separator)) {
		return "", errs.New(errs.UnsafePath, "setup path %q is outside the workenv", p)
	}
	return v, nil
}

// parseMode accepts an octal string ("755", "0o700") or a JSON number (read as decimal file mode).
func parseMode(raw json.RawMessage) (os.FileMode, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		v, ok := format.ParsePermissions(s)
		return os.FileMode(v) & 0o777, ok
	}
	var n uint32
	if json.Unmarshal(raw, &n) == nil && n <= 0o7777 {
		return os.FileMode(n) & 0o777, true
	}
	return 0, false
}
