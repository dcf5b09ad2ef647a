// Package workenv implements the on-disk cache contract of docs/workenv.md: the cache root, the
// workenv identity, file locks, the ready marker, installation, listing and removal.
package workenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"flavorpack.dev/launcher/internal/errs"
)

// Cache is a resolved cache root and its workenv folder.
type Cache struct {
	Root string // the cache root (FLAVOR_CACHE for the app)
	Dir  string // <root>/workenv
	Rule string // which rule chose Root
}

const cacheHint = "set FLAVOR_CACHE to a writable folder that only you can write to"

// Getenv looks up an environment variable.
type Getenv func(string) string

// ResolveRoot applies the root rules of docs/workenv.md without touching the disk.
func ResolveRoot(getenv Getenv) (*Cache, error) {
	root, rule := "", ""
	switch {
	case getenv("FLAVOR_CACHE") != "":
		abs, err := filepath.Abs(getenv("FLAVOR_CACHE"))
		if err != nil {
			return nil, errs.Wrap(errs.CacheError, err, "failed to resolve FLAVOR_CACHE").WithHint(cacheHint)
		}
		root, rule = abs, "FLAVOR_CACHE"
	case getenv("XDG_CACHE_HOME") != "" && filepath.IsAbs(getenv("XDG_CACHE_HOME")):
		root, rule = filepath.Join(getenv("XDG_CACHE_HOME"), "flavor"), "XDG_CACHE_HOME"
	case runtime.GOOS == "windows":
		if la := getenv("LOCALAPPDATA"); la != "" {
			root, rule = filepath.Join(la, "flavor", "cache"), "LOCALAPPDATA"
		}
	default:
		home := getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		if home != "" && filepath.IsAbs(home) {
			if runtime.GOOS == "darwin" {
				root, rule = filepath.Join(home, "Library", "Caches", "flavor"), "macos-default"
			} else {
				root, rule = filepath.Join(home, ".cache", "flavor"), "home-default"
			}
		}
	}
	if root == "" {
		return nil, errs.New(errs.CacheError, "no cache folder: there is no home folder and FLAVOR_CACHE is not set").WithHint(cacheHint)
	}
	return &Cache{Root: root, Dir: filepath.Join(root, "workenv"), Rule: rule}, nil
}

// Prepare creates the root (0700) and root/workenv if needed and checks that both are real
// directories owned by the current user and not writable by group or others.
func (c *Cache) Prepare() error {
	for _, dir := range []string{c.Root, c.Dir} {
		if err := ensureSafeDir(dir); err != nil {
			return err
		}
	}
	return nil
}

// CheckExisting checks root and root/workenv when they exist; it reports whether they do.
func (c *Cache) CheckExisting() (bool, error) {
	for _, dir := range []string{c.Root, c.Dir} {
		fi, err := os.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, errs.Wrap(errs.CacheError, err, "failed to stat cache folder %s", dir).WithHint(cacheHint)
		}
		if err := checkSafe(dir, fi); err != nil {
			return false, err
		}
	}
	return true, nil
}

func ensureSafeDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return errs.Wrap(errs.CacheError, err, "failed to create cache folder %s", filepath.Dir(dir)).WithHint(cacheHint)
		}
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return errs.Wrap(errs.CacheError, err, "failed to create cache folder %s", dir).WithHint(cacheHint)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to stat cache folder %s", dir).WithHint(cacheHint)
	}
	return checkSafe(dir, fi)
}

func checkSafe(dir string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
		return errs.New(errs.CacheError, "cache folder %s is not a real directory", dir).WithHint(cacheHint)
	}
	if err := checkOwner(dir, fi); err != nil {
		return err
	}
	return nil
}
