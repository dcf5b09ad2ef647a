package launch

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"runtime"

	"flavorpack.dev/launcher/internal/errs"
)

// Spawn runs the program as a child with inherited stdio, forwards termination signals to it, and
// returns its exit code (128+signal when it was killed by a signal). On Unix the child inherits keep
// (lock files, from fd 3 on): the locks stay held while the child runs even if the launcher is killed.
// Windows cannot pass extra descriptors; there the locks live as long as the launcher.
func Spawn(p *Plan, keep ...*os.File) (int, error) {
	cmd := &exec.Cmd{Path: p.Program, Args: p.Argv, Env: p.Env, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if runtime.GOOS != "windows" {
		cmd.ExtraFiles = keep
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, withExecHint(errs.Wrap(errs.NotFound, err, "failed to start %s", p.Program).WithExit(errs.ExitExec), err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return exitStatus(ee.ProcessState), nil
	}
	return 0, errs.Wrap(errs.IOError, err, "failed to wait for %s", p.Program).WithExit(errs.ExitExec)
}

// withExecHint explains "permission denied" on a program: usually a cache on a noexec file system.
func withExecHint(e *errs.Error, cause error) *errs.Error {
	if errors.Is(cause, os.ErrPermission) {
		e.WithHint("the program is not executable here; if the cache is on a noexec file system, set FLAVOR_CACHE to a folder on one that allows running programs")
	}
	return e
}
