//go:build !unix

package payload

import (
	"errors"
	"io/fs"
)

// rawFiles reports whether writeNewFile is used on this platform: not here (os.Root.OpenFile is).
const rawFiles = false

func writeNewFile(dirfd int, name string, data []byte, perm fs.FileMode, umask int) error {
	return errors.ErrUnsupported
}

func readUmask() int { return -1 }
