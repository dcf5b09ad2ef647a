//go:build unix

package workenv

import (
	"io/fs"
	"os"
	"syscall"

	"flavorpack.dev/launcher/internal/errs"
)

// checkOwner refuses a cache folder owned by another user or writable by group or others:
// such a user could swap what runs.
func checkOwner(dir string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && int(st.Uid) != os.Geteuid() {
		return errs.New(errs.CacheError, "cache folder %s is owned by another user (uid %d)", dir, st.Uid).WithHint(cacheHint)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return errs.New(errs.CacheError, "cache folder %s is writable by other users (mode %04o)", dir, fi.Mode().Perm()).WithHint(cacheHint)
	}
	return nil
}
