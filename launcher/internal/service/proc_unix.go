//go:build unix

package service

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

func supported() error { return nil }

// detached starts the service in a new session: no controlling terminal, its own process group
// (pgid = pid), so Ctrl-C in the terminal that started it does not reach it and stop can signal
// everything it started.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// exists reports whether pid is a process this user may signal (another user's process is not ours).
func exists(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil
}

// signalGroup sends SIGTERM (term) or SIGKILL to the service's process group, or to the process
// alone when the group is gone (the app may have moved itself into another group).
func signalGroup(pid int, term bool) {
	sig := unix.SIGKILL
	if term {
		sig = unix.SIGTERM
	}
	if err := unix.Kill(-pid, sig); errors.Is(err, unix.ESRCH) {
		unix.Kill(pid, sig)
	}
}
