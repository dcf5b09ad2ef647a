package workenv

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"flavorpack.dev/launcher/internal/errs"
)

// Lock is an open lock file holding a shared or exclusive OS file lock (flock / LockFileEx). The file
// is opened relative to a directory handle (root/workenv), never by a path string.
type Lock struct {
	f    *os.File
	dir  *os.Root
	name string
}

// ErrWouldBlock reports that a non-blocking lock attempt found the lock taken.
var ErrWouldBlock = errors.New("lock is held by another process")

// File returns the open lock file (kept open across exec).
func (l *Lock) File() *os.File { return l.f }

// Close releases the lock.
func (l *Lock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

func (l *Lock) path() string { return filepath.Join(l.dir.Name(), l.name) }

// current reports whether the locked file is still the one named in the directory (a remover deletes
// it). The name is not followed: a link planted there is never the lock.
func (l *Lock) current() bool {
	a, err := l.f.Stat()
	if err != nil {
		return false
	}
	b, err := l.dir.Lstat(l.name)
	return err == nil && os.SameFile(a, b)
}

// errStopped reports that a wait was abandoned because its stop condition became true.
var errStopped = errors.New("stopped waiting for the lock")

// openLockFile opens (creating 0600 if needed) the lock file name in dir. Anything but a regular file
// there (a planted link) is removed first: it is never the lock.
func openLockFile(dir *os.Root, name string) (*os.File, error) {
	if fi, err := dir.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		dir.RemoveAll(name)
	}
	f, err := dir.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to open lock file %s", filepath.Join(dir.Name(), name)).WithHint(cacheHint)
	}
	return f, nil
}

// Acquire opens (creating 0600 if needed) and locks name in dir, waiting up to timeout, and retries
// when the file was replaced while waiting.
func Acquire(dir *os.Root, name string, exclusive bool, timeout time.Duration) (*Lock, error) {
	return acquireUnless(dir, name, exclusive, timeout, nil)
}

// acquireUnless is Acquire that gives up with errStopped as soon as stop() is true while waiting.
func acquireUnless(dir *os.Root, name string, exclusive bool, timeout time.Duration, stop func() bool) (*Lock, error) {
	deadline := time.Now().Add(timeout)
	for {
		f, err := openLockFile(dir, name)
		if err != nil {
			return nil, err
		}
		l := &Lock{f: f, dir: dir, name: name}
		if err := l.wait(exclusive, deadline, stop); err != nil {
			f.Close()
			return nil, err
		}
		if l.current() {
			return l, nil
		}
		f.Close()
		if time.Now().After(deadline) {
			return nil, errs.New(errs.CacheError, "lock file %s keeps being replaced", l.path()).WithHint(cacheHint)
		}
	}
}

func (l *Lock) wait(exclusive bool, deadline time.Time, stop func() bool) error {
	delay := time.Millisecond
	for {
		err := tryLock(l.f, exclusive)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrWouldBlock) {
			return errs.Wrap(errs.CacheError, err, "failed to lock %s", l.path()).WithHint(cacheHint)
		}
		if stop != nil && stop() {
			return errStopped
		}
		if time.Now().After(deadline) {
			return errs.New(errs.CacheBusy, "timed out waiting for the lock %s", l.path()).
				WithHint("another launch is installing this package, or a running copy of the app holds the workenv that needs repair; close it and retry")
		}
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// TryAcquire opens an existing or new lock file name in dir and tries the lock once without waiting.
func TryAcquire(dir *os.Root, name string, exclusive bool) (*Lock, error) {
	f, err := openLockFile(dir, name)
	if err != nil {
		return nil, err
	}
	if err := tryLock(f, exclusive); err != nil {
		f.Close()
		return nil, err
	}
	l := &Lock{f: f, dir: dir, name: name}
	if !l.current() {
		f.Close()
		return nil, ErrWouldBlock
	}
	return l, nil
}

// Downgrade turns an exclusive lock into a shared one.
func (l *Lock) Downgrade() error {
	if err := tryLockShared(l.f); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to downgrade lock %s", l.path())
	}
	return nil
}

// Touch sets the lock file's mtime to now: the workenv's "last used" time.
func (l *Lock) Touch() { touch(l) }
