package workenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"flavorpack.dev/launcher/internal/errs"
)

// openPrivate opens folder name of parent (whose path is parentPath), creating it 0700 when create is
// set, after checking it like the cache root (privateDirProblem), and confirms the handle is the folder
// checked. Never follows a link planted at name.
func openPrivate(parent *os.Root, parentPath, name string, create bool) (*os.Root, error) {
	path := filepath.Join(parentPath, name)
	if create {
		if err := parent.Mkdir(name, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, errs.Wrap(errs.CacheError, err, "failed to create %s", path).WithHint(cacheHint)
		}
	}
	fi, err := parent.Lstat(name)
	if err != nil {
		return nil, err
	}
	if why := privateDirProblem(fi); why != "" {
		return nil, unsafeErr(path, path, "%s", why)
	}
	r, err := parent.OpenRoot(name)
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to open %s", path).WithHint(cacheHint)
	}
	if held, err := r.Stat("."); err != nil || !os.SameFile(held, fi) {
		r.Close()
		return nil, unsafeErr(path, path, "changed while it was being checked")
	}
	return r, nil
}
