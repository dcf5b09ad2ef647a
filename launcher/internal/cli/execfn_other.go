//go:build !linux

package cli

// execFn: the auxiliary vector's AT_EXECFN is read on Linux only.
func execFn() []string { return nil }
