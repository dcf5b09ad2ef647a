//go:build unix && !linux

package workenv

import "golang.org/x/sys/unix"

// dirFlags opens a directory of the cache walk (read access: there is no portable O_PATH).
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
