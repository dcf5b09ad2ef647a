//go:build darwin || freebsd || netbsd || openbsd

package workenv

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TIOCGETA
