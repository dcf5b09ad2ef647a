package payload

import (
	"path"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
)

// TargetPath turns a slot target ("{workenv}", "{workenv}/sub", "sub") into a clean slash path
// relative to the workenv, "" for the workenv itself.
func TargetPath(target string) (string, error) {
	t := target
	if rest, ok := strings.CutPrefix(t, "{workenv}"); ok {
		if rest != "" && rest[0] != '/' {
			return "", errs.New(errs.UnsafePath, "slot target %q is not {workenv} or {workenv}/<path>", target)
		}
		t = strings.TrimLeft(rest, "/")
	}
	if t == "" || t == "." {
		return "", nil
	}
	if err := CheckName(t); err != nil {
		return "", errs.Wrap(errs.UnsafePath, err, "slot target %q is unsafe", target)
	}
	if c := path.Clean(t); c != "." {
		return c, nil
	}
	return "", nil
}

// CheckName refuses an entry name that is absolute, has a ".." component, a backslash, a drive
// letter or a NUL byte. The name is relative to the folder the slot extracts into.
func CheckName(name string) error {
	switch {
	case name == "":
		return errs.New(errs.UnsafePath, "empty entry name")
	case strings.HasPrefix(name, "/"):
		return errs.New(errs.UnsafePath, "absolute entry name %q", name)
	case strings.ContainsAny(name, "\\\x00"):
		return errs.New(errs.UnsafePath, "entry name %q contains a backslash or NUL", name)
	case len(name) >= 2 && name[1] == ':':
		return errs.New(errs.UnsafePath, "entry name %q starts with a drive letter", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return errs.New(errs.UnsafePath, "entry name %q has a \"..\" component", name)
		}
	}
	return nil
}

// normalizeName strips "./" prefixes and trailing slashes; "" means the extraction folder itself.
func normalizeName(name string) string {
	for strings.HasPrefix(name, "./") {
		name = name[2:]
	}
	name = strings.TrimRight(name, "/")
	if name == "." {
		return ""
	}
	return name
}

// symlinkInside reports whether a link at linkPath (relative to the workenv) with the given target
// resolves inside the workenv, lexically.
func symlinkInside(linkPath, target string) bool {
	if !relativeTarget(target) {
		return false
	}
	joined := path.Join(path.Dir(linkPath), target)
	return joined != ".." && !strings.HasPrefix(joined, "../")
}
