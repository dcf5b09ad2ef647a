//go:build windows

package workenv

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

func tryLock(f *os.File, exclusive bool) error {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return ErrWouldBlock
	}
	return err
}

// tryLockShared releases the exclusive lock and takes a shared one (Windows cannot convert).
func tryLockShared(f *os.File) error {
	ol := new(windows.Overlapped)
	if err := windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol); err != nil {
		return err
	}
	for i := 0; i < 1000; i++ {
		err := tryLock(f, false)
		if !errors.Is(err, ErrWouldBlock) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return ErrWouldBlock
}

func touch(l *Lock) {
	now := time.Now()
	_ = l.dir.Chtimes(l.name, now, now)
}
