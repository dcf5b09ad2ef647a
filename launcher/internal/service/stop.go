package service

import (
	"time"

	"flavorpack.dev/launcher/internal/errs"
)

// Stop ends the service recorded in the pid file: SIGTERM to its process group, SIGKILL after grace,
// then removes the pid file. stopped is false when no live service was recorded (the pid file, even a
// stale one, is removed). A pid that now names another process is never signalled. The caller holds
// the service lock.
func (d *Dir) Stop(grace time.Duration) (st *State, stopped bool, err error) {
	if err := supported(); err != nil {
		return nil, false, err
	}
	st, err = d.ReadState()
	if err != nil || st == nil {
		return st, false, err
	}
	if Check(st) == Running {
		if err := terminate(st, grace); err != nil {
			return st, false, err
		}
		stopped = true
	}
	return st, stopped, d.RemoveState()
}

// terminate sends SIGTERM, waits up to grace for the process to end, then SIGKILL.
func terminate(st *State, grace time.Duration) error {
	signalGroup(st.PID, true)
	if waitGone(st, grace) {
		return nil
	}
	signalGroup(st.PID, false)
	if waitGone(st, 5*time.Second) {
		return nil
	}
	return errs.New(errs.ServiceNotResponding, "process %d did not end after SIGKILL", st.PID).
		WithHint("it may be stuck in the kernel (a hung disk or network mount); check it with ps")
}

func waitGone(st *State, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for Alive(st.PID, st.Identity) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
