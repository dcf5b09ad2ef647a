package workenv

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNoticeShownOnATerminalOnlyAfterTheDelay(t *testing.T) {
	var quick syncBuffer
	stop := startNotice(&quick, true, time.Hour, "app 1.0")
	stop()
	if quick.String() != "" {
		t.Fatalf("an install faster than the delay printed %q", quick.String())
	}
	var slow syncBuffer
	stop = startNotice(&slow, true, 20*time.Millisecond, "app 1.0")
	time.Sleep(200 * time.Millisecond)
	if got := slow.String(); got != "app 1.0: first run, unpacking into the cache…" {
		t.Fatalf("after the delay: %q", got)
	}
	stop()
	if got := slow.String(); !strings.HasSuffix(got, "…\r\x1b[2K") || strings.Count(got, "first run") != 1 {
		t.Fatalf("one line, erased at the end: %q", got)
	}
}

func TestNoticeNeverWhenNotATerminal(t *testing.T) {
	var out syncBuffer
	stop := startNotice(&out, false, 0, "app 1.0")
	time.Sleep(50 * time.Millisecond)
	stop()
	if out.String() != "" {
		t.Fatalf("printed %q on a non-terminal", out.String())
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	if isTerminal(w) || isTerminal(devnull) {
		t.Fatal("a pipe or /dev/null was taken for a terminal")
	}
}

// The real install, in a child process (this test binary, -test.run=TestNoticeChild) whose slots each take
// 300 ms: run under `script` (stderr is a pseudo-terminal) the notice appears once; with stderr a pipe,
// nothing is printed.
func TestFirstRunNoticeOnAPseudoTerminalAndNotOnAPipe(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("`script` (util-linux) is needed to give the child a pseudo-terminal")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "FLAVOR_NOTICE_CHILD=1")

	tty := exec.Command(scriptBin, "-qec", "'"+self+"' -test.run='^TestNoticeChild$' -test.count=1", os.DevNull)
	tty.Env = env
	out, err := tty.CombinedOutput()
	if err != nil {
		t.Fatalf("child on a pty: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "first run, unpacking into the cache…"); n != 1 {
		t.Fatalf("on a pty the notice appears %d times:\n%q", n, out)
	}

	pipe := exec.Command(self, "-test.run=^TestNoticeChild$", "-test.count=1")
	pipe.Env = env
	var stderr bytes.Buffer
	pipe.Stderr = &stderr
	if err := pipe.Run(); err != nil {
		t.Fatalf("child with piped stderr: %v\n%s", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Fatalf("stderr is a pipe, yet the launcher wrote %q", stderr.String())
	}
}

func TestNoticeChild(t *testing.T) {
	if os.Getenv("FLAVOR_NOTICE_CHILD") != "1" {
		t.Skip("run by TestFirstRunNoticeOnAPseudoTerminalAndNotOnAPipe")
	}
	in := newInstaller(t, spec())
	in.AfterSlot = func(int) { time.Sleep(300 * time.Millisecond) }
	lk, cold, err := in.Ensure()
	if err != nil || !cold {
		t.Fatalf("cold=%v err=%v", cold, err)
	}
	lk.Close()
}
