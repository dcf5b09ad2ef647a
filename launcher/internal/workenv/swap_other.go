//go:build !linux

package workenv

import (
	"errors"
	"os"
)

// swapEntries is Linux-only (renameat2 RENAME_EXCHANGE); elsewhere the caller moves the old entry aside
// and renames the new one in, with a short moment in between where neither is there.
func swapEntries(_ *os.Root, _, _ string) error { return errors.ErrUnsupported }
