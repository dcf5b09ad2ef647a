//go:build !linux

package launch

import "flavorpack.dev/launcher/internal/format"

// HostLibc: glibc is a Linux matter; elsewhere the C library is not checked (Kind "" = unknown).
func HostLibc(root string) Libc { return Libc{} }

func hostLibc(root string, enough format.GlibcVersion) Libc { return Libc{} }
