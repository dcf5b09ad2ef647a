package service

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"flavorpack.dev/launcher/internal/errs"
)

// Spec is what a start runs: the launch plan of docs/launcher.md plus what the service keeps.
type Spec struct {
	Program string
	Argv    []string
	Env     []string
	Keep    *os.File // the workenv's shared lock, inherited by the service (fd 3) for its whole life
	Package string
	Version string
}

// Ensure makes sure the service runs: when the pid file names a live process (that answers on the
// port, if there is one) it returns that State and started = false; a stale pid file is reported
// through note and replaced by a fresh start. Concurrent calls are serialised by the service lock.
func (d *Dir) Ensure(spec *Spec, note func(format string, args ...any)) (st *State, started bool, err error) {
	lock, err := d.Lock()
	if err != nil {
		return nil, false, err
	}
	defer lock.Close()
	st, err = d.ReadState()
	if err != nil {
		return nil, false, err
	}
	switch Check(st) {
	case Running:
		return st, false, d.confirmAnswers(st)
	case Stale:
		note("the pid file names process %d, which is not running (crash or reboot): starting the service again", st.PID)
		if err := d.RemoveState(); err != nil {
			return nil, false, err
		}
	}
	st, err = d.Start(spec)
	return st, err == nil, err
}

// confirmAnswers checks that a running service answers on its port, waiting up to StartTimeout (it
// may still be starting: a launcher that started it may have been interrupted during its wait).
func (d *Dir) confirmAnswers(st *State) error {
	if d.Port == 0 {
		return nil
	}
	deadline := time.Now().Add(StartTimeout)
	for !Answers(d.Port) {
		if !Alive(st.PID, st.Identity) || time.Now().After(deadline) {
			return errs.New(errs.ServiceNotResponding, "the service runs (pid %d) but nothing answers on 127.0.0.1:%d", st.PID, d.Port).
				WithHint(fmt.Sprintf("see its log %s; restart it with FLAVOR_LAUNCHER_CLI=1 <package> service restart", d.LogPath()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// Start runs the app detached (new session, stdin /dev/null, stdout and stderr appended to the log),
// records it in the pid file and waits until it is ready: its port accepts a connection, or without
// a port it is still alive after Settle. If it exits first or StartTimeout passes, it is stopped, the
// pid file removed, and the error carries the end of its log. The caller holds the service lock.
func (d *Dir) Start(spec *Spec) (*State, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	if d.Port > 0 && Answers(d.Port) {
		return nil, errs.New(errs.ServicePortBusy, "port %d is already in use by another process", d.Port).
			WithHint(fmt.Sprintf("stop the program listening on 127.0.0.1:%d (an older version of this app? stop it with FLAVOR_LAUNCHER_CLI=1 <old package> service stop), or build the package with another port", d.Port))
	}
	log, offset, err := d.openLog(spec)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := &exec.Cmd{Path: spec.Program, Args: spec.Argv, Env: spec.Env, Stdout: log, Stderr: log, SysProcAttr: detached()}
	if spec.Keep != nil {
		cmd.ExtraFiles = []*os.File{spec.Keep}
	}
	if err := cmd.Start(); err != nil {
		return nil, errs.Wrap(errs.NotFound, err, "failed to start %s", spec.Program).WithExit(errs.ExitExec)
	}
	exited := &exit{done: make(chan struct{})}
	go func() { exited.err = cmd.Wait(); close(exited.done) }()
	st := &State{PID: cmd.Process.Pid, Port: d.Port, StartedAt: time.Now().UTC().Truncate(time.Second),
		Package: spec.Package, Version: spec.Version, Argv: spec.Argv}
	st.Identity, _ = StartIdentity(st.PID) // "" when the system has none, or when the app is gone already
	if err := d.WriteState(st); err != nil {
		d.stopStarted(st, exited)
		return nil, err
	}
	if err := d.waitReady(st.PID, exited); err != nil {
		d.stopStarted(st, exited)
		d.RemoveState()
		return nil, d.withLogTail(err, offset)
	}
	return st, nil
}

// waitReady waits for the port (or Settle without one) while watching for the app's exit. Where
// /proc tells who listens, the listener must be the service (session sid) and not another program.
func (d *Dir) waitReady(sid int, exited *exit) error {
	timeout, wait := StartTimeout, StartTimeout
	if d.Port == 0 {
		wait = Settle
	}
	deadline := time.Now().Add(wait)
	for {
		select {
		case <-exited.done:
			return errs.New(errs.ServiceStartFailed, "the service exited during its start (%s)", exitText(exited.err)).
				WithHint("the app must keep running: fix the error its log shows, then run the package again")
		case <-time.After(50 * time.Millisecond):
		}
		if d.Port > 0 && Answers(d.Port) {
			if owned, known := listenerInSession(d.Port, sid); owned || !known {
				return nil
			}
		}
		if time.Now().After(deadline) {
			if d.Port == 0 {
				return nil
			}
			if owned, known := listenerInSession(d.Port, sid); known && !owned && Answers(d.Port) {
				return errs.New(errs.ServicePortBusy, "port %d is in use by another process, not by the service", d.Port).
					WithHint(fmt.Sprintf("stop the program listening on 127.0.0.1:%d, or build the package with another port", d.Port))
			}
			return errs.New(errs.ServiceStartFailed, "the service did not accept connections on 127.0.0.1:%d within %s", d.Port, timeout).
				WithHint("make the app listen on 127.0.0.1 (or all addresses) at the port of runtime.port, or allow it more time with FLAVOR_SERVICE_TIMEOUT=<seconds>")
		}
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// exit is the app's end as seen by the launcher that started it: done is closed when it was reaped.
type exit struct {
	done chan struct{}
	err  error
}

// stopStarted ends a service whose start failed (its whole process group), and reaps it.
func (d *Dir) stopStarted(st *State, exited *exit) {
	signalGroup(st.PID, true)
	select {
	case <-exited.done:
	case <-time.After(2 * time.Second):
		signalGroup(st.PID, false)
		select {
		case <-exited.done:
		case <-time.After(5 * time.Second):
		}
	}
}

// openLog opens service.log for appending and writes a line that marks this start; offset is where
// this start's output begins.
func (d *Dir) openLog(spec *Spec) (*os.File, int64, error) {
	f, err := d.root.OpenFile(LogName, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, errs.Wrap(errs.IOError, err, "failed to open the service log %s", d.LogPath())
	}
	fmt.Fprintf(f, "--- %s: starting %s %s: %s\n", time.Now().UTC().Format(time.RFC3339), spec.Package, spec.Version, strings.Join(spec.Argv, " "))
	offset, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, 0, errs.Wrap(errs.IOError, err, "failed to open the service log %s", d.LogPath())
	}
	return f, offset, nil
}

// withLogTail appends the last lines the app wrote during this start to a start error.
func (d *Dir) withLogTail(err error, offset int64) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	b, rerr := d.root.ReadFile(LogName)
	if rerr != nil || int64(len(b)) <= offset {
		e.Msg += "; it wrote nothing to " + d.LogPath()
		return e
	}
	e.Msg += "; the end of its log " + d.LogPath() + ":\n" + tail(b[offset:], 20)
	return e
}
