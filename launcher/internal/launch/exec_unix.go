//go:build unix

package launch

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"flavorpack.dev/launcher/internal/errs"
)

// Exec replaces the launcher with the program. keep (the workenv lock) stays open across execve,
// so the app holds the shared lock for as long as it runs.
func Exec(p *Plan, keep *os.File) error {
	if keep != nil {
		if _, err := unix.FcntlInt(keep.Fd(), unix.F_SETFD, 0); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to keep the workenv lock open").WithExit(errs.ExitExec)
		}
	}
	err := syscall.Exec(p.Program, p.Argv, p.Env)
	return withExecHint(errs.Wrap(errs.NotFound, err, "failed to execute %s", p.Program).WithExit(errs.ExitExec), err)
}

// SpawnDefault reports whether this platform always spawns (Windows) instead of exec.
const SpawnDefault = false
