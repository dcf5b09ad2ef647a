//go:build unix

package workenv

import (
	"fmt"
	"io/fs"
	"os"
)

// privateDirProblem applies the rule of the cache root to a folder below it (the persistent store):
// a real directory, owned by the user, not writable by group or others. "" means it is fine.
func privateDirProblem(fi fs.FileInfo) string {
	if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
		return "is not a real directory"
	}
	st, ok := statOf(fi)
	if !ok {
		return "cannot be checked"
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Sprintf("is owned by another user (uid %d)", st.Uid)
	}
	if st.Mode&0o022 != 0 {
		return fmt.Sprintf("is writable by other users (mode %04o)", st.Mode&0o7777)
	}
	return ""
}
