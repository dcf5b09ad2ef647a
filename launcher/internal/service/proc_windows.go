package service

import (
	"syscall"

	"flavorpack.dev/launcher/internal/errs"
)

// Service mode needs detached processes, process groups and POSIX signals; on Windows a persistent
// package fails clearly instead (docs/launcher.md "Service mode").
func supported() error {
	return errs.New(errs.ServiceUnsupported, "service mode (runtime.persistent) is not supported on Windows yet").
		WithHint("run the app in the foreground with a package built without persistent = true, or run it as a Windows service with a service manager")
}

func detached() *syscall.SysProcAttr { return nil }

func exists(pid int) bool { return false }

func signalGroup(pid int, term bool) {}

// StartIdentity: service mode is not supported on Windows; there is no identity.
func StartIdentity(pid int) (string, error) { return "", ErrNoIdentity }

// Answers: no health check on Windows (service mode is not supported there).
func Answers(port int) bool { return false }
