//go:build !linux

package main

import (
	"fmt"
	"os"
)

// RENAME_EXCHANGE is Linux-only; the race test runs on Linux.
func main() {
	fmt.Fprintln(os.Stderr, "renameexchange: needs Linux (renameat2 RENAME_EXCHANGE)")
	os.Exit(2)
}
