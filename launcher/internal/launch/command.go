// Package launch builds the child's environment and argv from the signed metadata, resolves the
// program, and runs it: execve on Unix, a waited child with signal forwarding in spawn mode.
package launch

import (
	"fmt"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// Placeholders holds the values substituted into commands, environment values and setup commands.
type Placeholders struct {
	Workenv     string
	PackageName string
	Version     string
	SlotPaths   []string // {slot:N}: the extracted path of slot N
}

// replaceSlotRefs replaces every {slot:N} (N decimal digits) with the extracted path of slot N.
func (p Placeholders) replaceSlotRefs(s string) (string, error) {
	var out strings.Builder
	var bad error
	for {
		i := strings.Index(s, "{slot:")
		if i < 0 {
			out.WriteString(s)
			return out.String(), bad
		}
		j := i + len("{slot:")
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == j || k >= len(s) || s[k] != '}' {
			out.WriteString(s[:j])
			s = s[j:]
			continue
		}
		ref := s[i : k+1]
		n, err := strconv.Atoi(s[j:k])
		out.WriteString(s[:i])
		if err != nil || n >= len(p.SlotPaths) {
			bad = errs.New(errs.MetadataSchema, "placeholder %s names a slot that does not exist", ref)
			out.WriteString(ref)
		} else {
			out.WriteString(p.SlotPaths[n])
		}
		s = s[k+1:]
	}
}

// Substitute replaces {workenv}, {package_name}, {version}, {os}, {arch} and {slot:N}.
func (p Placeholders) Substitute(s string) (string, error) {
	s, bad := p.replaceSlotRefs(s)
	r := strings.NewReplacer("{workenv}", p.Workenv, "{package_name}", p.PackageName, "{version}", p.Version,
		"{os}", runtime.GOOS, "{arch}", runtime.GOARCH)
	return r.Replace(s), bad
}

// SlotPaths returns the extracted path of every slot under workenv.
func SlotPaths(workenv string, slots []format.SlotMeta) []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		t := strings.TrimLeft(strings.TrimPrefix(s.Target, "{workenv}"), "/")
		if t == "" || t == "." {
			out[i] = workenv
		} else {
			out[i] = workenv + "/" + path.Clean(t)
		}
	}
	return out
}

// Split splits a command line by the rules of the platform the launcher runs on (SplitFor).
func Split(s string) ([]string, error) { return SplitFor(s, runtime.GOOS == "windows") }

// SplitFor splits a command line without running a shell. POSIX rules (windows false): whitespace
// separates words; single quotes are literal; double quotes allow \" \\ \$ \` escapes; a backslash
// outside quotes escapes the next character. Windows rules: a backslash is an ordinary character (the
// path separator: C:\Windows\system32\cmd.exe stays as written); whitespace separates words; '…' and
// "…" group literally (a " inside a word is written inside '…', a ' inside "…"). An unclosed quote
// (or, on POSIX, a trailing backslash) is an error.
func SplitFor(s string, windows bool) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			i++
		case c == '\'' || (c == '"' && windows):
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, splitErr(map[byte]string{'\'': "unclosed single quote", '"': "unclosed double quote"}[c], s)
			}
			cur.WriteString(s[i+1 : i+1+end])
			inWord = true
			i += end + 2
		case c == '"':
			n, err := readDouble(s[i+1:], &cur)
			if err != nil {
				return nil, splitErr(err.Error(), s)
			}
			inWord = true
			i += n + 2
		case c == '\\' && !windows:
			if i+1 >= len(s) {
				return nil, splitErr("trailing backslash", s)
			}
			_, size := utf8.DecodeRuneInString(s[i+1:])
			cur.WriteString(s[i+1 : i+1+size])
			inWord = true
			i += 1 + size
		default:
			cur.WriteByte(c)
			inWord = true
			i++
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// SplitSubstituted splits a command line, then substitutes the placeholders in each word: a value
// (a workenv under C:\Users\O'Brien, a path with spaces) is never read as quoting or separators.
func (p Placeholders) SplitSubstituted(line string) ([]string, error) {
	words, err := Split(line)
	if err != nil {
		return nil, err
	}
	for i, w := range words {
		if words[i], err = p.Substitute(w); err != nil {
			return nil, errs.Wrap(errs.MetadataSchema, err, "failed to prepare the command").WithExit(errs.ExitExec)
		}
	}
	return words, nil
}

// readDouble consumes a double-quoted string body (s starts after the opening quote) and returns
// the number of bytes before the closing quote.
func readDouble(s string, cur *strings.Builder) (int, error) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			return i, nil
		case '\\':
			if i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
				continue
			}
		}
		cur.WriteByte(s[i])
	}
	return 0, fmt.Errorf("unclosed double quote")
}

func splitErr(what, s string) error {
	return errs.New(errs.MetadataSchema, "failed to split command %q: %s", s, what).WithExit(errs.ExitExec)
}

// CommandNames returns the sorted keys of execution.commands.
func CommandNames(ex format.Execution) []string {
	names := make([]string, 0, len(ex.Commands))
	for k := range ex.Commands {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// SelectCommand picks the command line: execution.commands[FLAVOR_COMMAND] when set, else the
// command named like the invocation (argv[0] basename without .psp/.exe), else execution.command.
func SelectCommand(ex format.Execution, flavorCommand, argv0 string) (string, error) {
	if flavorCommand != "" {
		if c, ok := ex.Commands[flavorCommand]; ok {
			return c, nil
		}
		avail := "none"
		if names := CommandNames(ex); len(names) > 0 {
			avail = strings.Join(names, ", ")
		}
		return "", errs.New(errs.Usage, "FLAVOR_COMMAND=%s is not a command of this package (available: %s)", flavorCommand, avail).
			WithHint("unset FLAVOR_COMMAND or set it to one of the available names")
	}
	base := invocationName(argv0)
	if c, ok := ex.Commands[base]; ok && base != "" {
		return c, nil
	}
	return ex.Command, nil
}

func invocationName(argv0 string) string {
	base := argv0
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	for _, suf := range []string{".psp", ".exe", ".PSP", ".EXE"} {
		base = strings.TrimSuffix(base, suf)
	}
	return base
}
