//go:build unix

package workenv

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

func tryLock(f *os.File, exclusive bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EWOULDBLOCK) {
			return ErrWouldBlock
		}
		return err
	}
}

// tryLockShared converts a held exclusive flock to shared (blocking; it cannot conflict).
func tryLockShared(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_SH)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func touch(l *Lock) {
	now := time.Now()
	tv := []unix.Timeval{unix.NsecToTimeval(now.UnixNano()), unix.NsecToTimeval(now.UnixNano())}
	_ = unix.Futimes(int(l.f.Fd()), tv)
}
