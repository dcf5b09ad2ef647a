package service

import (
	"errors"
	"io/fs"
	"time"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/jsonlite"
	"flavorpack.dev/launcher/internal/workenv"
)

// State is the content of service.pid: which process is the service, and how to recognise it again.
type State struct {
	PID int `json:"pid"`
	// Identity is the process's start identity (StartIdentity) when it was started; "" when the system
	// has none to offer (no /proc): then only "pid alive" and the health check decide.
	Identity  string    `json:"identity"`
	Port      int       `json:"port,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Package   string    `json:"package"`
	Version   string    `json:"version"`
	Argv      []string  `json:"argv"`
}

// Status is what a pid file says once checked against the running processes.
type Status string

const (
	Stopped Status = "stopped" // no pid file
	Running Status = "running" // the recorded process is alive and is the one that was started
	Stale   Status = "stale"   // a pid file whose process is gone (crash, kill -9, reboot) or was reused
)

// ReadState reads service.pid; nil without error when there is none. A pid file that cannot be parsed
// (a crash while it was written cannot leave one: it is renamed into place) counts as stale.
func (d *Dir) ReadState() (*State, error) {
	b, err := d.root.ReadFile(PidName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to read %s", d.Path+"/"+PidName)
	}
	st, err := parseState(b)
	if err != nil || st.PID <= 0 {
		return &State{}, nil
	}
	return st, nil
}

// parseState reads service.pid as encoding/json read it into State (started_at an RFC 3339 time).
func parseState(b []byte) (*State, error) {
	f, err := jsonlite.ParseObject(b)
	if err != nil {
		return nil, err
	}
	st := &State{PID: int(f.Int("pid")), Identity: f.String("identity"), Port: int(f.Int("port")),
		Package: f.String("package"), Version: f.String("version"), Argv: f.Strings("argv")}
	if s := f.String("started_at"); s != "" {
		var ok bool
		if st.StartedAt, ok = parseUTC(s); !ok {
			return nil, errs.New(errs.IOError, "started_at %q is not a UTC time like 2006-01-02T15:04:05Z", s)
		}
	}
	return st, f.Err
}

// parseUTC reads the UTC times WriteState writes, "2006-01-02T15:04:05Z" (a fraction of a second
// allowed); time.Parse would add ~25 KB to the launcher for this one field (docs/launcher.md "Size").
func parseUTC(s string) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range []byte(s[from:to]) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day, hour, minute, sec := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	nsec := 0
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 || num(20, len(s)-1) < 0 {
			return time.Time{}, false
		}
		nsec = num(20, len(s)-1)
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if year < 0 || month < 1 || day < 1 || hour < 0 || minute < 0 || sec < 0 || // not digits
		t.Year() != year || int(t.Month()) != month || t.Day() != day || t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return time.Time{}, false
	}
	return t, true
}

// JSONObject is State as encoding/json wrote it from the json tags (state_test.go compares them).
func (st *State) JSONObject() jsonlite.Obj {
	o := jsonlite.Obj{{Key: "pid", Value: st.PID}, {Key: "identity", Value: st.Identity}}
	if st.Port != 0 {
		o = append(o, jsonlite.Field{Key: "port", Value: st.Port})
	}
	return append(o, jsonlite.Field{Key: "started_at", Value: st.StartedAt.Format(time.RFC3339Nano)},
		jsonlite.Field{Key: "package", Value: st.Package}, jsonlite.Field{Key: "version", Value: st.Version},
		jsonlite.Field{Key: "argv", Value: st.Argv})
}

// WriteState writes service.pid through a temporary file and a rename, so a reader never sees half.
func (d *Dir) WriteState(st *State) error {
	b := jsonlite.MarshalIndent(st, "  ")
	tmp := PidName + ".tmp"
	if err := d.root.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return errs.Wrap(errs.IOError, err, "failed to write %s", d.Path+"/"+tmp)
	}
	if err := d.root.Rename(tmp, PidName); err != nil {
		return errs.Wrap(errs.IOError, err, "failed to write %s", d.Path+"/"+PidName)
	}
	return nil
}

// RemoveState deletes service.pid (absent is fine).
func (d *Dir) RemoveState() error {
	if err := d.root.Remove(PidName); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.IOError, err, "failed to remove %s", d.Path+"/"+PidName)
	}
	return nil
}

// Check classifies a pid file: Stopped (none), Running, or Stale.
func Check(st *State) Status {
	if st == nil {
		return Stopped
	}
	if st.PID <= 0 || !Alive(st.PID, st.Identity) {
		return Stale
	}
	return Running
}

// Alive reports whether pid is a live process and, when identity is not empty, the same process that
// was recorded (a pid reused after a crash or a reboot has another start identity). A zombie is dead.
func Alive(pid int, identity string) bool {
	if !exists(pid) {
		return false
	}
	if identity == "" {
		return true
	}
	now, err := StartIdentity(pid)
	if err != nil {
		// The process exists but its identity cannot be read now (it just exited, or /proc went away):
		// only a process we can still see is the service.
		return errors.Is(err, ErrNoIdentity) && exists(pid)
	}
	return now == identity
}

// ErrNoIdentity reports that this system offers no process start identity (no /proc).
var ErrNoIdentity = errors.New("no process start identity on this system")

// Lock takes the service folder's exclusive lock, waiting up to lockTimeout: one launcher at a time
// starts, stops or restarts the service.
func (d *Dir) Lock() (*workenv.Lock, error) {
	l, err := workenv.Acquire(d.root, LockName, true, lockTimeout())
	if e, ok := errs.As(err); ok && e.Code == errs.CacheBusy {
		e.WithHint("another launch is starting or stopping this service; retry when it is done")
	}
	return l, err
}
