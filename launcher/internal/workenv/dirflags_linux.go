package workenv

import "golang.org/x/sys/unix"

// dirFlags opens a directory of the cache walk: O_PATH needs only search permission on it, so a
// folder above the root with mode 0711 can be checked too.
const dirFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
