// Package cli is the launcher's entry point: it verifies the package it is part of, makes sure its
// workenv is installed, and runs the app; with FLAVOR_LAUNCHER_CLI set it is a small inspection CLI.
package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/logx"
)

// App is one launcher run.
type App struct {
	Version string
	Args    []string // os.Args
	Exe     string   // the package file (this executable, symlinks resolved)
	Prog    string   // basename of Exe, used in messages
	Getenv  func(string) string
	Environ []string
	Stdout  io.Writer
	Stderr  io.Writer
	Log     *logx.Logger
}

// Main runs the launcher and returns the process exit code.
func Main(version string) int {
	a := &App{Version: version, Args: os.Args, Getenv: os.Getenv, Environ: os.Environ(), Stdout: os.Stdout, Stderr: os.Stderr}
	a.Prog = "flavor-launcher"
	exe, err := selfPath(a.Args[0], a.Getenv)
	if err == nil {
		if resolved, rerr := filepath.EvalSymlinks(exe); rerr == nil {
			exe = resolved
		}
		a.Exe, a.Prog = exe, filepath.Base(exe)
	}
	a.Log = logx.New(a.Prog, a.Getenv("FLAVOR_LOG_LEVEL"))
	if err != nil {
		return a.fail(err)
	}
	if truthy(a.Getenv("FLAVOR_LAUNCHER_CLI")) {
		return a.cliMode(a.Args[1:])
	}
	return a.fail(a.Launch(a.Args[1:]))
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// fail prints err as "<prog>: error: <message> [<CODE>]" plus a hint and returns its exit code.
func (a *App) fail(err error) int {
	if err == nil {
		return 0
	}
	e, ok := errs.As(err)
	if !ok {
		e = errs.Wrap(errs.Internal, err, "internal error")
	}
	fmt.Fprintf(a.Stderr, "%s: error: %s [%s]\n", a.Prog, err.Error(), e.Code)
	if hint := hintFor(e); hint != "" {
		fmt.Fprintf(a.Stderr, "%s: hint: %s\n", a.Prog, hint)
	}
	return errs.ExitCode(err)
}

func hintFor(e *errs.Error) string {
	if e.Hint != "" {
		return e.Hint
	}
	switch errs.ExitForCode(e.Code) {
	case errs.ExitPackage:
		return "the package file is damaged or not a flavor package; download or build it again"
	case errs.ExitIntegrity:
		if strings.HasPrefix(e.Code, "SIGNATURE") {
			return "the package was modified or badly signed; get a fresh copy (FLAVOR_VALIDATION=relaxed runs it anyway, at your own risk)"
		}
		return "the package was modified after it was built; get a fresh copy"
	case errs.ExitExtract:
		return "the package payload could not be installed; check free disk space, or rebuild the package"
	case errs.ExitCache:
		return "set FLAVOR_CACHE to a writable folder that only you can write to"
	case errs.ExitInternal:
		return "this is a bug in the launcher; please report it with FLAVOR_LOG_LEVEL=debug output"
	}
	return ""
}
