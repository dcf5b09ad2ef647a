//go:build windows

package workenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"flavorpack.dev/launcher/internal/errs"
)

// openCacheDirs opens the cache root and root/workenv (creating them when create is set) and returns
// them as os.Root handles. On Windows the per-user LOCALAPPDATA ACLs protect the folders above the
// root; both folders must be real directories (not links or junctions).
func openCacheDirs(root string, create bool) (*os.Root, *os.Root, error) {
	if err := ensureDir(root, root, create); err != nil {
		return nil, nil, err
	}
	rh, err := os.OpenRoot(root)
	if err != nil {
		return nil, nil, errs.Wrap(errs.CacheError, err, "failed to open cache folder %s", root).WithHint(cacheHint)
	}
	dir := filepath.Join(root, "workenv")
	if err := ensureDir(root, dir, create); err != nil {
		rh.Close()
		return nil, nil, err
	}
	dh, err := rh.OpenRoot("workenv")
	if err != nil {
		rh.Close()
		return nil, nil, errs.Wrap(errs.CacheError, err, "failed to open cache folder %s", dir).WithHint(cacheHint)
	}
	return rh, dh, nil
}

func ensureDir(root, dir string, create bool) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return errs.Wrap(errs.CacheError, err, "failed to create cache folder %s", dir).WithHint(cacheHint)
		}
		fi, err = os.Lstat(dir)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.CacheError, fs.ErrNotExist, "cache folder %s does not exist", dir).WithHint(cacheHint)
	}
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to stat cache folder %s", dir).WithHint(cacheHint)
	}
	if fi.Mode()&fs.ModeSymlink != 0 || fi.Mode()&fs.ModeIrregular != 0 || !fi.IsDir() {
		return unsafeErr(root, dir, "is not a real directory")
	}
	return nil
}
