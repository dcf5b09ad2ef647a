//go:build unix

package payload

import (
	"io/fs"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// writeNewFile creates name (one path component) in the open folder dir with mode perm and writes
// data to it: openat (O_EXCL and O_NOFOLLOW, so it never writes through an existing name), write,
// close, and fchmod only when the umask would strip bits of perm. os.File costs 9 system calls per
// file here (it tries to register every file with the poller); this costs 3.
func writeNewFile(dirfd int, name string, data []byte, perm fs.FileMode, umask int) error {
	fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm))
	for err == unix.EINTR {
		fd, err = unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm))
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	err = writeAll(fd, data)
	if err == nil && (umask < 0 || perm&fs.FileMode(umask) != 0) {
		err = unix.Fchmod(fd, uint32(perm))
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}

func writeAll(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// readUmask is the process's file mode creation mask, from /proc/self/status (Linux 4.7+); -1 when
// unknown (then every file gets its fchmod).
func readUmask() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	const key = "\nUmask:\t"
	s := string(b)
	i := strings.Index(s, key)
	if i < 0 {
		return -1
	}
	v := 0
	for _, c := range []byte(s[i+len(key):]) {
		if c < '0' || c > '7' {
			break
		}
		v = v*8 + int(c-'0')
	}
	return v
}

// rawFiles reports whether writeNewFile is used on this platform.
const rawFiles = true
