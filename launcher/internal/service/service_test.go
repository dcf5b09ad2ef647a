//go:build unix

package service

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"flavorpack.dev/launcher/internal/errs"
)

func openTemp(t *testing.T, port int) *Dir {
	t.Helper()
	d, err := Open(t.TempDir(), port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// freePort returns a loopback port nobody listens on (closed again right away).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestStateRoundTripAndRemove(t *testing.T) {
	d := openTemp(t, 8000)
	if st, err := d.ReadState(); err != nil || st != nil {
		t.Fatalf("no pid file: got %+v, %v", st, err)
	}
	want := &State{PID: 42, Identity: "x:1", Port: 8000, StartedAt: time.Unix(1700000000, 0).UTC(), Package: "p", Version: "1", Argv: []string{"a", "b c"}}
	if err := d.WriteState(want); err != nil {
		t.Fatal(err)
	}
	got, err := d.ReadState()
	if err != nil || got.PID != 42 || got.Identity != "x:1" || got.Port != 8000 || !got.StartedAt.Equal(want.StartedAt) || got.Argv[1] != "b c" {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	fi, err := os.Stat(d.Path + "/" + PidName)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("pid file mode: %v, %v", fi, err)
	}
	if err := d.RemoveState(); err != nil {
		t.Fatal(err)
	}
	if st, _ := d.ReadState(); st != nil {
		t.Fatalf("removed pid file still read: %+v", st)
	}
	if err := d.RemoveState(); err != nil {
		t.Fatalf("removing an absent pid file: %v", err)
	}
}

func TestGarbagePidFileIsStale(t *testing.T) {
	d := openTemp(t, 0)
	if err := os.WriteFile(d.Path+"/"+PidName, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := d.ReadState()
	if err != nil {
		t.Fatal(err)
	}
	if s := Check(st); s != Stale {
		t.Fatalf("garbage pid file: %s, want stale", s)
	}
}

func TestCheckLiveDeadAndReusedPid(t *testing.T) {
	if Check(nil) != Stopped {
		t.Fatal("no pid file is not stopped")
	}
	self := os.Getpid()
	id, err := StartIdentity(self)
	if err != nil {
		t.Fatalf("identity of this process: %v", err)
	}
	if Check(&State{PID: self, Identity: id}) != Running {
		t.Fatal("this process with its own identity is not running")
	}
	// The same pid with the identity of another process start: a pid reused after a crash or reboot.
	if Check(&State{PID: self, Identity: id + "0"}) != Stale {
		t.Fatal("a reused pid (other start identity) is not stale")
	}
	// A process that exited and was reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if Check(&State{PID: cmd.Process.Pid}) != Stale {
		t.Fatal("an exited process is not stale")
	}
	// Without a recorded identity (a system without /proc), a live pid counts as running.
	if Check(&State{PID: self}) != Running {
		t.Fatal("a live pid without identity is not running")
	}
}

func TestZombieIsDead(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("zombie detection is implemented for linux and darwin")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := StartIdentity(pid); err != nil {
			break // exited, not yet reaped: a zombie has no identity
		}
		if time.Now().After(deadline) {
			t.Fatal("the exited child still has a start identity")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if Alive(pid, "some-identity") {
		t.Fatal("a zombie counts as alive")
	}
	cmd.Wait()
}

func TestAnswers(t *testing.T) {
	port := freePort(t)
	if Answers(port) {
		t.Fatal("a closed port answers")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !Answers(l.Addr().(*net.TCPAddr).Port) {
		t.Fatal("a listening port does not answer")
	}
}

func TestListenerOwnership(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc only")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	if owned, known := listenerInSession(port, sid); !known || !owned {
		t.Fatalf("own listener: owned=%v known=%v", owned, known)
	}
	if owned, known := listenerInSession(port, sid+1_000_000); !known || owned {
		t.Fatalf("another session's view: owned=%v known=%v", owned, known)
	}
}

func TestTail(t *testing.T) {
	if got := tail([]byte("a\nb\nc\nd\n"), 2); got != "c\nd" {
		t.Fatalf("tail: %q", got)
	}
	if got := tail([]byte("only"), 5); got != "only" {
		t.Fatalf("tail: %q", got)
	}
}

func shSpec(script string) *Spec {
	return &Spec{Program: "/bin/sh", Argv: []string{"sh", "-c", script}, Env: os.Environ(), Package: "t", Version: "1"}
}

func TestStartWithoutPortStopAndLog(t *testing.T) {
	d := openTemp(t, 0)
	st, started, err := d.Ensure(shSpec("echo hello-from-service; exec sleep 60"), t.Logf)
	if err != nil || !started {
		t.Fatalf("start: %v, started=%v", err, started)
	}
	t.Cleanup(func() { d.Stop(time.Second) })
	if Check(st) != Running {
		t.Fatal("the started service is not running")
	}
	if sid, _ := unix.Getsid(st.PID); sid != st.PID {
		t.Fatalf("the service is not a session leader: sid %d, pid %d", sid, st.PID)
	}
	again, started, err := d.Ensure(shSpec("exit 1"), t.Logf)
	if err != nil || started || again.PID != st.PID {
		t.Fatalf("second ensure: %+v started=%v err=%v", again, started, err)
	}
	log, _ := os.ReadFile(d.LogPath())
	if !strings.Contains(string(log), "hello-from-service") {
		t.Fatalf("log: %q", log)
	}
	got, stopped, err := d.Stop(time.Second)
	if err != nil || !stopped || got.PID != st.PID {
		t.Fatalf("stop: %+v %v %v", got, stopped, err)
	}
	if Alive(st.PID, st.Identity) {
		t.Fatal("the service is alive after stop")
	}
	if s, _ := d.ReadState(); s != nil {
		t.Fatal("stop left the pid file")
	}
}

func TestStopEscalatesToSigkill(t *testing.T) {
	d := openTemp(t, 0)
	st, _, err := d.Ensure(shSpec(`trap "" TERM; echo ready; while :; do sleep 1; done`), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-st.PID, syscall.SIGKILL) })
	begin := time.Now()
	if _, stopped, err := d.Stop(300 * time.Millisecond); err != nil || !stopped {
		t.Fatalf("stop: %v %v", stopped, err)
	}
	if Alive(st.PID, st.Identity) {
		t.Fatal("a service ignoring SIGTERM survived stop")
	}
	if time.Since(begin) < 300*time.Millisecond {
		t.Fatal("stop did not wait for the grace period before SIGKILL")
	}
}

func TestStartFailureReportsLogTail(t *testing.T) {
	d := openTemp(t, freePort(t))
	_, _, err := d.Ensure(shSpec("echo something went wrong >&2; exit 3"), t.Logf)
	e, ok := errs.As(err)
	if !ok || e.Code != errs.ServiceStartFailed || errs.ExitCode(err) != errs.ExitService {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(e.Msg, "something went wrong") || !strings.Contains(e.Msg, "exit status 3") {
		t.Fatalf("message lacks the log tail or the status: %q", e.Msg)
	}
	if st, _ := d.ReadState(); st != nil {
		t.Fatal("a failed start left a pid file")
	}
}

func TestStartTimeoutStopsTheApp(t *testing.T) {
	old := StartTimeout
	StartTimeout = 400 * time.Millisecond
	defer func() { StartTimeout = old }()
	d := openTemp(t, freePort(t))
	pidFile := t.TempDir() + "/pid"
	_, _, err := d.Ensure(shSpec("echo $$ > "+pidFile+"; exec sleep 60"), t.Logf)
	if errs.CodeOf(err) != errs.ServiceStartFailed || !strings.Contains(err.Error(), "did not accept connections") {
		t.Fatalf("got %v", err)
	}
	b, _ := os.ReadFile(pidFile)
	var pid int
	if _, err := fmtSscan(string(b), &pid); err != nil {
		t.Fatalf("the app did not run: %v", err)
	}
	if exists(pid) {
		t.Fatalf("the app that never listened still runs (pid %d)", pid)
	}
}

func TestPortTakenByAnotherProgram(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := openTemp(t, l.Addr().(*net.TCPAddr).Port)
	_, _, err = d.Ensure(shSpec("exec sleep 60"), t.Logf)
	if errs.CodeOf(err) != errs.ServicePortBusy {
		t.Fatalf("got %v", err)
	}
	if st, _ := d.ReadState(); st != nil {
		t.Fatal("a refused start left a pid file")
	}
}

func TestStalePidFileIsReplaced(t *testing.T) {
	d := openTemp(t, 0)
	cmd := exec.Command("true")
	cmd.Run()
	if err := d.WriteState(&State{PID: cmd.Process.Pid, Identity: "gone"}); err != nil {
		t.Fatal(err)
	}
	var notes []string
	st, started, err := d.Ensure(shSpec("exec sleep 60"), func(f string, a ...any) { notes = append(notes, f) })
	if err != nil || !started || st.PID == cmd.Process.Pid {
		t.Fatalf("ensure over a stale pid file: %+v %v %v", st, started, err)
	}
	t.Cleanup(func() { d.Stop(time.Second) })
	if len(notes) != 1 || !strings.Contains(notes[0], "not running") {
		t.Fatalf("notes: %q", notes)
	}
}

func fmtSscan(s string, pid *int) (int, error) { return fmt.Sscan(strings.TrimSpace(s), pid) }
