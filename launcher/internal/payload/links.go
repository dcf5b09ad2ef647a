package payload

import (
	"io/fs"
	"os"
	"path"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
)

// The symlink rule, the same as src/payload/safe-path.ts: a link target must be relative and stay inside
// the root, lexically when the entry is read (symlinkInside) and on disk once every entry of the archive
// is in place (CheckLinks), following the links already there the way the kernel would. A lexical check
// alone misses chains: with d/l -> .. the link e -> d/l/.. looks like "d" but resolves to the root's
// parent.

// maxHops bounds link-following, like the kernel's 40 (ELOOP); a loop counts as an escape.
const maxHops = 40

// CheckLinks resolves every link in links (slash paths relative to root) on disk and refuses the first
// whose resolution leaves root (UNSAFE_PATH). Every link that escapes is removed, so a refused slot
// leaves no way out behind.
func CheckLinks(root *os.Root, links []string) error {
	var first error
	for _, l := range links {
		out, err := linkEscapes(root, l)
		if err != nil {
			return err
		}
		if !out {
			continue
		}
		root.Remove(l)
		if first == nil {
			first = errs.New(errs.UnsafePath, "symlink %q points outside the workenv through another symlink", l)
		}
	}
	return first
}

// linkEscapes reports whether the link at linkPath resolves outside root; a path that is gone or is no
// longer a link (an init slot removed, a setup command replaced it) has nothing to check.
func linkEscapes(root *os.Root, linkPath string) (bool, error) {
	if fi, err := root.Lstat(linkPath); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return false, nil
	}
	target, err := root.Readlink(linkPath)
	if err != nil {
		return false, errs.Wrap(errs.IOError, err, "failed to read symlink %s", linkPath)
	}
	return resolveEscapes(root, components(path.Dir(linkPath)), target)
}

// ResolvesInside reports whether the slash path p (relative to root) stays inside root when every link
// on it, the last component included, is followed on disk.
func ResolvesInside(root *os.Root, p string) (bool, error) {
	out, err := resolveEscapes(root, nil, p)
	return !out, err
}

// resolveEscapes walks rel from the folder dir (components below root): ".." pops, a name is pushed and,
// when it is a link on disk, replaced by the link's target. Missing components resolve lexically.
func resolveEscapes(root *os.Root, dir []string, rel string) (bool, error) {
	stack := append([]string(nil), dir...)
	pending := strings.Split(rel, "/")
	hops := 0
	for len(pending) > 0 {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return true, nil
			}
			stack = stack[:len(stack)-1]
			continue
		}
		stack = append(stack, part)
		cur := strings.Join(stack, "/")
		fi, err := root.Lstat(cur)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			continue // missing (resolved lexically), a folder or a file
		}
		if hops++; hops > maxHops {
			return true, nil
		}
		t, err := root.Readlink(cur)
		if err != nil {
			return false, errs.Wrap(errs.IOError, err, "failed to read symlink %s", cur)
		}
		if !relativeTarget(t) {
			return true, nil
		}
		stack = stack[:len(stack)-1]
		pending = append(strings.Split(t, "/"), pending...)
	}
	return false, nil
}

// relativeTarget reports whether a link target is non-empty, relative, with no backslash, NUL or drive letter.
func relativeTarget(t string) bool {
	return t != "" && !strings.HasPrefix(t, "/") && !strings.ContainsAny(t, "\\\x00") && !(len(t) >= 2 && t[1] == ':')
}

func components(dir string) []string {
	if dir == "." || dir == "" {
		return nil
	}
	return strings.Split(dir, "/")
}
