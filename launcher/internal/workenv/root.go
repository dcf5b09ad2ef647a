// Package workenv implements the on-disk cache contract of docs/workenv.md: the cache root, the
// workenv identity, file locks, the ready marker, installation, listing and removal.
package workenv

import (
	"errors"
	"fmt"
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

	root *os.Root // the root, opened and checked by Prepare or CheckExisting
	dir  *os.Root // root/workenv, likewise
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

// Prepare creates the root (0700) and root/workenv if needed, checks them and every folder above the
// root (docs/workenv.md "Cache root"), and keeps both open: every later operation is relative to these
// handles, never to the path strings.
func (c *Cache) Prepare() error { return c.open(true) }

// CheckExisting opens and checks root and root/workenv when they exist; it reports whether they do.
func (c *Cache) CheckExisting() (bool, error) {
	err := c.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (c *Cache) open(create bool) error {
	if c.dir != nil {
		return nil
	}
	rh, dh, err := openCacheDirs(c.Root, create)
	if err != nil {
		return err
	}
	c.root, c.dir = rh, dh
	return nil
}

// Close releases the handles (they are close-on-exec, so an exec'd app never holds them).
func (c *Cache) Close() {
	if c.dir != nil {
		c.dir.Close()
		c.root.Close()
		c.dir, c.root = nil, nil
	}
}

// ConfirmPath checks, right before the app is started by path, that the path of entry name in
// root/workenv names the directory held open there: the app, its interpreter and its children need a
// real path, and this proves that path leads where the checks were made.
func (c *Cache) ConfirmPath(name string) error {
	held, err := c.dir.Lstat(name)
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to stat %s", filepath.Join(c.Dir, name)).WithHint(cacheHint)
	}
	byPath, err := os.Stat(filepath.Join(c.Dir, name))
	if err != nil || !held.IsDir() || !os.SameFile(held, byPath) {
		return unsafeErr(c.Root, filepath.Join(c.Dir, name), "no longer names the folder that was checked")
	}
	return nil
}

// unsafeErr refuses a cache whose root, root/workenv or workenv folder dir another user could change.
func unsafeErr(root, dir, format string, args ...any) error {
	what := dir // the root's own path when links above it lead elsewhere
	if dir == root {
		what = "it"
	}
	return cacheUnsafe(root, what, dir, fmt.Sprintf(format, args...),
		"it must be a real directory owned by you and not writable by group or others (chmod 700)")
}

// aboveErr refuses a cache root below a folder or link dir that another user could change.
func aboveErr(root, dir, format string, args ...any) error {
	return cacheUnsafe(root, "the folder "+dir+" above it", dir, fmt.Sprintf(format, args...),
		"it must be owned by you or root and not writable by group or others (a sticky folder such as /tmp is allowed)")
}

func cacheUnsafe(root, what, dir, why, rule string) error {
	return errs.New(errs.CacheUnsafe, "unsafe cache root %s: %s %s; another user could swap what runs", root, what, why).
		WithHint(fmt.Sprintf("set FLAVOR_CACHE to a folder that only you can change, or fix %s: %s", dir, rule))
}
