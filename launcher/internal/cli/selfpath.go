package cli

import (
	"os"
	"path/filepath"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// selfPath finds the package file this launcher runs from (docs/launcher.md, "Without /proc"):
// os.Executable (on Linux, the /proc/self/exe link), and when that fails, as in a chroot or container
// without /proc, the file the kernel was asked to run (AT_EXECFN, Linux) and then argv[0], resolved
// against the working folder or PATH. A fallback is taken only if it is a file that ends with the PSPF
// trailer; the package it names is then verified like any other.
func selfPath(argv0 string, getenv func(string) string) (string, error) {
	exe, err := os.Executable()
	if err == nil {
		return exe, nil
	}
	for _, candidate := range append(execFn(), argv0) {
		if path, ok := resolveCommand(candidate, getenv("PATH")); ok && isPackageFile(path) {
			return path, nil
		}
	}
	return "", errs.Wrap(errs.NotFound, err, "failed to find the launcher's own file").
		WithHint("mount /proc (mount -t proc proc /proc), or start the package by its path (e.g. ./app.psp or /opt/app.psp)")
}

// resolveCommand resolves a command name the way a shell did when it started us: a name with a
// slash is a path (relative to the working folder), a bare name is looked up in PATH.
func resolveCommand(name, pathEnv string) (string, bool) {
	if name == "" {
		return "", false
	}
	if strings.ContainsRune(name, filepath.Separator) {
		abs, err := filepath.Abs(name)
		return abs, err == nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, name)
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			abs, err := filepath.Abs(path)
			return abs, err == nil
		}
	}
	return "", false
}

// isPackageFile reports whether path is a regular file ending with the PSPF end magic.
func isPackageFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < format.TrailerSize {
		return false
	}
	var end [4]byte
	if _, err := f.ReadAt(end[:], fi.Size()-4); err != nil {
		return false
	}
	return string(end[:]) == string(format.EndMagic)
}
