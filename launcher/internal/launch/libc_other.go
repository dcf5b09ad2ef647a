//go:build !linux

package launch

// HostLibc: glibc is a Linux matter; elsewhere the C library is not checked (Kind "" = unknown).
func HostLibc(root string) Libc { return Libc{} }
