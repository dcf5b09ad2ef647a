//go:build windows

package workenv

import "io/fs"

// privateDirProblem: on Windows the per-user LOCALAPPDATA ACLs protect the folder; it must be a real
// directory (not a link or junction). "" means it is fine.
func privateDirProblem(fi fs.FileInfo) string {
	if fi.Mode()&fs.ModeSymlink != 0 || fi.Mode()&fs.ModeIrregular != 0 || !fi.IsDir() {
		return "is not a real directory"
	}
	return ""
}
