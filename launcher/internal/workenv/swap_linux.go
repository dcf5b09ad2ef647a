package workenv

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// swapEntries atomically exchanges the entries a and b (paths relative to root) with renameat2
// RENAME_EXCHANGE, so a replaced folder never goes missing for a running app. The parents are opened
// through root (which never leaves it); renameat2 does not follow the final names.
func swapEntries(root *os.Root, a, b string) error {
	pa, err := root.Open(filepath.Dir(a))
	if err != nil {
		return err
	}
	defer pa.Close()
	pb, err := root.Open(filepath.Dir(b))
	if err != nil {
		return err
	}
	defer pb.Close()
	return unix.Renameat2(int(pa.Fd()), filepath.Base(a), int(pb.Fd()), filepath.Base(b), unix.RENAME_EXCHANGE)
}
