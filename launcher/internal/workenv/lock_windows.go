//go:build windows

package workenv

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// LockFileEx and UnlockFileEx from kernel32.dll, called through syscall: golang.org/x/sys/windows would
// add its package init (a thousand DLL procedures, ~60 KB and init time; docs/launcher.md "Size").
// kernel32.dll is one of the system DLLs syscall loads from the system folder only.
var (
	kernel32         = syscall.NewLazyDLL("kernel32.dll")
	procLockFileEx   = kernel32.NewProc("LockFileEx")
	procUnlockFileEx = kernel32.NewProc("UnlockFileEx")
)

const (
	lockfileFailImmediately = 0x1 // LOCKFILE_FAIL_IMMEDIATELY
	lockfileExclusiveLock   = 0x2 // LOCKFILE_EXCLUSIVE_LOCK

	errorLockViolation = syscall.Errno(33)  // ERROR_LOCK_VIOLATION
	errorIOPending     = syscall.Errno(997) // ERROR_IO_PENDING
)

// lockFileEx and unlockFileEx lock or unlock byte 0 of the file (one byte, as every caller).
func lockFileEx(h syscall.Handle, flags uint32, ol *syscall.Overlapped) error {
	r, _, e := syscall.SyscallN(procLockFileEx.Addr(), uintptr(h), uintptr(flags), 0, 1, 0, uintptr(unsafe.Pointer(ol)))
	return callErr(r, e)
}

func unlockFileEx(h syscall.Handle, ol *syscall.Overlapped) error {
	r, _, e := syscall.SyscallN(procUnlockFileEx.Addr(), uintptr(h), 0, 1, 0, uintptr(unsafe.Pointer(ol)))
	return callErr(r, e)
}

// callErr is the error of a BOOL-returning call (as golang.org/x/sys/windows: EINVAL when failing
// without an error number).
func callErr(r uintptr, e syscall.Errno) error {
	switch {
	case r != 0:
		return nil
	case e == 0:
		return syscall.EINVAL
	}
	return e
}

func tryLock(f *os.File, exclusive bool) error {
	flags := uint32(lockfileFailImmediately)
	if exclusive {
		flags |= lockfileExclusiveLock
	}
	err := lockFileEx(syscall.Handle(f.Fd()), flags, new(syscall.Overlapped))
	if errors.Is(err, errorLockViolation) || errors.Is(err, errorIOPending) {
		return ErrWouldBlock
	}
	return err
}

// tryLockShared releases the exclusive lock and takes a shared one (Windows cannot convert).
func tryLockShared(f *os.File) error {
	if err := unlockFileEx(syscall.Handle(f.Fd()), new(syscall.Overlapped)); err != nil {
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
