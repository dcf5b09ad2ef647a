// Package service runs a package's app as a persistent background service (metadata
// runtime.persistent, docs/launcher.md "Service mode"): started once, detached, its output appended to
// a log file; a pid file records which process it is, so a later run (or `service status|stop|logs`)
// finds it, and a pid file left by a crash or a reboot is recognised as stale.
//
// Everything lives in one folder of the workenv, <workenv>/.flavor/service/, opened as an os.Root:
//
//	service.lock   flock held while a launcher starts, stops or inspects the service
//	service.pid    JSON State of the running service (written after the start, removed by stop)
//	service.log    the app's stdout and stderr, appended across starts
package service

import (
	"os"
	"path/filepath"
	"time"

	"flavorpack.dev/launcher/internal/errs"
)

// Folder and file names inside the workenv.
const (
	DirName  = ".flavor/service"
	LockName = "service.lock"
	PidName  = "service.pid"
	LogName  = "service.log"
)

// Timeouts (docs/launcher.md "Service mode").
var (
	// StartTimeout is how long a start waits for the port to accept connections
	// (FLAVOR_SERVICE_TIMEOUT overrides it).
	StartTimeout = 30 * time.Second
	// Settle is how long a service without a port must stay alive to count as started.
	Settle = 500 * time.Millisecond
	// StopGrace is how long stop waits after SIGTERM before it sends SIGKILL.
	StopGrace = 10 * time.Second
)

// lockTimeout bounds the wait for another launcher that starts or stops the service: long enough for
// a restart (a stop, then a start that waits for the port).
func lockTimeout() time.Duration { return 2*StartTimeout + StopGrace }

// Dir is the opened state folder of one workenv's service.
type Dir struct {
	Path string // <workenv>/.flavor/service
	Port int    // 0: no health check port
	root *os.Root
}

// Open creates (0700) and opens the service folder of the workenv at workenv.
func Open(workenv string, port int) (*Dir, error) {
	w, err := os.OpenRoot(workenv)
	if err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to open the workenv %s", workenv)
	}
	defer w.Close()
	if err := w.MkdirAll(DirName, 0o700); err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to create %s", filepath.Join(workenv, DirName))
	}
	root, err := w.OpenRoot(DirName)
	if err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to open %s", filepath.Join(workenv, DirName))
	}
	return &Dir{Path: filepath.Join(workenv, filepath.FromSlash(DirName)), Port: port, root: root}, nil
}

// OpenExisting opens the service folder when it exists; ok is false when the service never ran.
func OpenExisting(workenv string, port int) (d *Dir, ok bool, err error) {
	if _, err := os.Lstat(filepath.Join(workenv, filepath.FromSlash(DirName))); err != nil {
		if os.IsNotExist(err) {
			return nil, false, nil
		}
		return nil, false, errs.Wrap(errs.IOError, err, "failed to inspect %s", workenv)
	}
	d, err = Open(workenv, port)
	return d, err == nil, err
}

// Close releases the folder handle.
func (d *Dir) Close() { d.root.Close() }

// LogPath is the log file's path (for messages and the app's FLAVOR_SERVICE_LOG).
func (d *Dir) LogPath() string { return filepath.Join(d.Path, LogName) }
