package cli

// Service mode (docs/launcher.md "Service mode"): a package whose signed metadata sets
// runtime.persistent starts its app once in the background, and `service status|stop|restart|logs`
// manage it.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/jsonlite"
	"flavorpack.dev/launcher/internal/launch"
	"flavorpack.dev/launcher/internal/service"
	"flavorpack.dev/launcher/internal/verify"
	"flavorpack.dev/launcher/internal/workenv"
)

// Exit codes of `service status` (the LSB init-script convention).
const (
	statusRunning      = 0
	statusStale        = 1
	statusStopped      = 3
	statusNotAnswering = 4
)

// runService is the end of a launch of a persistent package: the service is started unless it runs
// already. lock (the workenv's shared lock) passes to the service, which holds it while it runs.
func (a *App) runService(p *verify.Package, wdir string, plan *launch.Plan, lock *workenv.Lock, userArgs []string) error {
	defer lock.Close()
	if err := a.applyServiceTimeout(); err != nil {
		return err
	}
	rt, pkg := p.Meta.Runtime, p.Meta.Package
	d, err := service.Open(wdir, rt.Port)
	if err != nil {
		return err
	}
	defer d.Close()
	spec := &service.Spec{Program: plan.Program, Argv: plan.Argv, Env: serviceEnv(plan.Env, d), Keep: lock.File(),
		Package: pkg.Name, Version: pkg.Version}
	note := func(format string, args ...any) {
		fmt.Fprintf(a.Stderr, "%s: "+format+"\n", append([]any{a.Prog}, args...)...)
	}
	st, started, err := d.Ensure(spec, note)
	if err != nil {
		return err
	}
	if started {
		note("started %s %s in the background (pid %d%s); log: %s", pkg.Name, pkg.Version, st.PID, portText(st.Port), d.LogPath())
		return nil
	}
	note("%s %s is already running (pid %d%s, since %s); log: %s", pkg.Name, pkg.Version, st.PID, portText(st.Port),
		st.StartedAt.Local().Format(time.DateTime), d.LogPath())
	if len(userArgs) > 0 {
		note("the arguments were not used: the service runs already (restart it with FLAVOR_LAUNCHER_CLI=1 %s service restart)", a.Prog)
	}
	return nil
}

// runsAsService reports whether this launch starts the service: the package is persistent and the
// selected command line is the main one (execution.command). A named command with another command
// line (FLAVOR_COMMAND, a symlink named after it) runs in the foreground as usual, so a service
// package can carry admin tools.
func (a *App) runsAsService(p *verify.Package) bool {
	if !p.Meta.Service() {
		return false
	}
	argv0 := a.Exe
	if len(a.Args) > 0 {
		argv0 = a.Args[0]
	}
	line, err := launch.SelectCommand(p.Meta.Execution, a.Getenv("FLAVOR_COMMAND"), argv0)
	return err == nil && line == p.Meta.Execution.Command
}

func portText(port int) string {
	if port == 0 {
		return ""
	}
	return ", port " + strconv.Itoa(port)
}

// serviceEnv adds FLAVOR_SERVICE_PORT (when there is a port) and FLAVOR_SERVICE_LOG to the app's
// environment.
func serviceEnv(env []string, d *service.Dir) []string {
	out := append([]string{}, env...)
	if d.Port > 0 {
		out = append(out, "FLAVOR_SERVICE_PORT="+strconv.Itoa(d.Port))
	}
	return append(out, "FLAVOR_SERVICE_LOG="+d.LogPath())
}

// applyServiceTimeout reads FLAVOR_SERVICE_TIMEOUT (whole seconds, 1..3600).
func (a *App) applyServiceTimeout() error {
	v := a.Getenv("FLAVOR_SERVICE_TIMEOUT")
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 3600 {
		return errs.New(errs.Usage, "FLAVOR_SERVICE_TIMEOUT=%q is not a number of seconds from 1 to 3600", v).
			WithHint("set FLAVOR_SERVICE_TIMEOUT=60 (seconds), or unset it for the default of 30")
	}
	service.StartTimeout = time.Duration(n) * time.Second
	return nil
}

// serviceCmd is `service status|stop|restart|logs`.
func (a *App) serviceCmd(args []string) int {
	if len(args) == 0 {
		return a.fail(usageErr("service needs a command: status, stop, restart or logs"))
	}
	sub, rest := args[0], args[1:]
	var code int
	err := a.withPackage(true, func(p *verify.Package) error {
		if !p.Meta.Service() {
			return usageErr("%s %s is not a service (its metadata does not set runtime.persistent)", p.Meta.Package.Name, p.Meta.Package.Version)
		}
		var err error
		switch sub {
		case "status":
			code, err = a.serviceStatus(p, rest)
		case "stop":
			err = a.serviceStop(p, rest)
		case "restart":
			err = a.serviceRestart(p, rest)
		case "logs":
			err = a.serviceLogs(p, rest)
		default:
			err = usageErr("unknown service command %q (status, stop, restart, logs)", sub)
		}
		return err
	})
	if err != nil {
		return a.fail(err)
	}
	return code
}

// serviceDir opens the service folder of this package's workenv without installing anything; ok is
// false when the service never ran here.
func (a *App) serviceDir(p *verify.Package) (*service.Dir, bool, error) {
	cache, err := workenv.ResolveRoot(a.Getenv)
	if err != nil {
		return nil, false, err
	}
	exists, err := cache.CheckExisting()
	if err != nil || !exists {
		return nil, false, err
	}
	defer cache.Close()
	id := workenv.Identity(p.Meta.Package.Name, p.Meta.Package.Version, p.SignedSHA256)
	return service.OpenExisting(filepath.Join(cache.Dir, id), p.Meta.Runtime.Port)
}

type statusReport struct {
	State     string `json:"state"`
	Answering *bool  `json:"answering"`
	PID       int    `json:"pid,omitempty"`
	Port      int    `json:"port,omitempty"`
	StartedAt string `json:"started_at,omitempty"`
	Uptime    int64  `json:"uptime_seconds,omitempty"`
	Log       string `json:"log,omitempty"`
}

func (r *statusReport) JSONObject() jsonlite.Obj {
	o := jsonlite.Obj{{Key: "state", Value: r.State}, {Key: "answering", Value: r.Answering}}
	add := func(key string, v any, empty bool) {
		if !empty { // omitempty
			o = append(o, jsonlite.Field{Key: key, Value: v})
		}
	}
	add("pid", r.PID, r.PID == 0)
	add("port", r.Port, r.Port == 0)
	add("started_at", r.StartedAt, r.StartedAt == "")
	add("uptime_seconds", r.Uptime, r.Uptime == 0)
	add("log", r.Log, r.Log == "")
	return o
}

func (a *App) serviceStatus(p *verify.Package, args []string) (int, error) {
	asJSON, err := onlyFlag(args, "--json")
	if err != nil {
		return 0, err
	}
	r, code, err := a.statusOf(p)
	if err != nil {
		return 0, err
	}
	if asJSON {
		fmt.Fprintf(a.Stdout, "%s\n", jsonlite.Marshal(r))
		return code, nil
	}
	pkg := p.Meta.Package
	switch r.State {
	case "running":
		health := ""
		if r.Answering != nil && !*r.Answering {
			health = ", NOT answering on its port"
		}
		fmt.Fprintf(a.Stdout, "%s %s: running (pid %d%s, up %s%s)\nlog: %s\n", pkg.Name, pkg.Version, r.PID, portText(r.Port),
			time.Duration(r.Uptime)*time.Second, health, r.Log)
	case "stale":
		fmt.Fprintf(a.Stdout, "%s %s: stale (the pid file names process %d, which is not running: a crash or a reboot; the next run starts the service again)\nlog: %s\n",
			pkg.Name, pkg.Version, r.PID, r.Log)
	default:
		fmt.Fprintf(a.Stdout, "%s %s: stopped\n", pkg.Name, pkg.Version)
	}
	return code, nil
}

// statusOf reads the pid file and checks it; it changes nothing.
func (a *App) statusOf(p *verify.Package) (*statusReport, int, error) {
	d, ok, err := a.serviceDir(p)
	if err != nil || !ok {
		return &statusReport{State: string(service.Stopped)}, statusStopped, err
	}
	defer d.Close()
	st, err := d.ReadState()
	if err != nil {
		return nil, 0, err
	}
	if st == nil {
		return &statusReport{State: string(service.Stopped)}, statusStopped, nil
	}
	r := &statusReport{State: string(service.Check(st)), PID: st.PID, Port: st.Port, Log: d.LogPath()}
	if r.State == string(service.Stale) {
		return r, statusStale, nil
	}
	r.StartedAt = st.StartedAt.Format(time.RFC3339)
	r.Uptime = int64(time.Since(st.StartedAt).Seconds())
	code := statusRunning
	if st.Port > 0 {
		answering := service.Answers(st.Port)
		r.Answering = &answering
		if !answering {
			code = statusNotAnswering
		}
	}
	return r, code, nil
}

func (a *App) serviceStop(p *verify.Package, args []string) error {
	if _, err := onlyFlag(args, ""); err != nil {
		return err
	}
	d, ok, err := a.serviceDir(p)
	if err != nil {
		return err
	}
	pkg := p.Meta.Package
	if !ok {
		fmt.Fprintf(a.Stdout, "%s %s: not running\n", pkg.Name, pkg.Version)
		return nil
	}
	defer d.Close()
	lock, err := d.Lock()
	if err != nil {
		return err
	}
	defer lock.Close()
	st, stopped, err := d.Stop(service.StopGrace)
	switch {
	case err != nil:
		return err
	case stopped:
		fmt.Fprintf(a.Stdout, "%s %s: stopped (pid %d)\n", pkg.Name, pkg.Version, st.PID)
	case st != nil:
		fmt.Fprintf(a.Stdout, "%s %s: not running (removed the stale pid file of process %d)\n", pkg.Name, pkg.Version, st.PID)
	default:
		fmt.Fprintf(a.Stdout, "%s %s: not running\n", pkg.Name, pkg.Version)
	}
	return nil
}

// serviceRestart stops the service (if it runs) and starts it with a normal launch; ARGS after
// `restart` are passed to the app.
func (a *App) serviceRestart(p *verify.Package, args []string) error {
	if err := a.serviceStop(p, nil); err != nil {
		return err
	}
	return a.Launch(args)
}

func (a *App) serviceLogs(p *verify.Package, args []string) error {
	follow, err := onlyFlag(args, "--follow")
	if err != nil {
		return err
	}
	d, ok, err := a.serviceDir(p)
	if err != nil || !ok {
		return err
	}
	defer d.Close()
	f, err := os.Open(d.LogPath())
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open the service log %s", d.LogPath())
	}
	defer f.Close()
	for {
		if _, err := io.Copy(a.Stdout, f); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to print the service log")
		}
		if !follow {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// onlyFlag accepts no arguments or exactly the one flag (when flag is not ""), and reports whether
// it was given.
func onlyFlag(args []string, flag string) (bool, error) {
	switch {
	case len(args) == 0:
		return false, nil
	case len(args) == 1 && flag != "" && args[0] == flag:
		return true, nil
	}
	return false, usageErr("unexpected argument %q", args[0])
}
