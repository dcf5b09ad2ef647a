//go:build windows

package workenv

import "io/fs"

// checkOwner: on Windows the per-user LOCALAPPDATA ACLs protect the cache.
func checkOwner(dir string, fi fs.FileInfo) error { return nil }
