package workenv

// The first run's notice. Extracting a large package into the cache can take seconds, and a silent
// terminal looks hung. On a terminal, one line on stderr once the install has taken NoticeDelay (erased
// when it is done, so the app's output starts on a clean line); never when stderr is not a terminal (a
// pipe, a file, /dev/null), so scripted output stays clean; never when the log level hides warnings.

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"flavorpack.dev/launcher/internal/logx"
)

// NoticeDelay is how long an install runs before the notice is shown.
var NoticeDelay = 500 * time.Millisecond

// firstRunNotice arms the notice for this install; call the returned function when the install ends.
func (in *Installer) firstRunNotice() (stop func()) {
	if in.Log != nil && !in.Log.Enabled(logx.Warn) {
		return func() {}
	}
	label := in.Pkg.Meta.Package.Name + " " + in.Pkg.Meta.Package.Version
	return startNotice(os.Stderr, isTerminal(os.Stderr), NoticeDelay, label)
}

// startNotice writes the notice line to w after delay unless stopped first; only if terminal.
func startNotice(w io.Writer, terminal bool, delay time.Duration, label string) (stop func()) {
	if !terminal {
		return func() {}
	}
	var mu sync.Mutex
	shown, done := false, false
	timer := time.AfterFunc(delay, func() {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			fmt.Fprintf(w, "%s: first run, unpacking into the cache…", label)
			shown = true
		}
	})
	return func() {
		timer.Stop()
		mu.Lock()
		defer mu.Unlock()
		done = true
		if shown {
			fmt.Fprint(w, "\r\x1b[2K")
		}
	}
}
