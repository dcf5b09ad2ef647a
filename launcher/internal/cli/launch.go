package cli

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/launch"
	"flavorpack.dev/launcher/internal/verify"
	"flavorpack.dev/launcher/internal/workenv"
)

var errBare = errors.New("bare launcher")

// openPackage opens this executable and checks it up to the signed bytes (verify.Open); the caller
// authenticates it and then parses it (parsePackage).
func (a *App) openPackage() (*verify.Package, *os.File, error) {
	f, err := os.Open(a.Exe)
	if err != nil {
		return nil, nil, errs.Wrap(errs.IOError, err, "failed to open the package %s", a.Exe).WithExit(errs.ExitPackage)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, errs.Wrap(errs.IOError, err, "failed to stat the package %s", a.Exe).WithExit(errs.ExitPackage)
	}
	if bare(f, fi.Size()) {
		f.Close()
		return nil, nil, errs.Wrap(errs.BadEndMagic, errBare, "this launcher has no package appended")
	}
	p, err := verify.Open(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return p, f, nil
}

// bare reports whether the file carries neither trailer magic: a launcher without a package.
func bare(r io.ReaderAt, size int64) bool {
	if size < format.TrailerSize {
		return true
	}
	var start, end [4]byte
	r.ReadAt(start[:], size-format.TrailerSize)
	r.ReadAt(end[:], size-4)
	return string(start[:]) != string(format.StartMagic) && string(end[:]) != string(format.EndMagic)
}

// parsePackage reads the signed JSON and the slot table of an authenticated package and checks that
// no byte between regions carries data (docs/format.md steps 9–11, on every start).
func parsePackage(p *verify.Package) error {
	if err := p.Parse(); err != nil {
		return err
	}
	return p.CheckGaps()
}

// authenticate applies FLAVOR_VALIDATION and FLAVOR_TRUSTED_KEYS.
func (a *App) authenticate(p *verify.Package) error {
	level, err := verify.ParseLevel(a.Getenv("FLAVOR_VALIDATION"))
	if err != nil {
		return err
	}
	trusted, err := verify.LoadTrust(a.Getenv("FLAVOR_TRUSTED_KEYS"))
	if err != nil {
		return err
	}
	warnings, err := p.Authenticate(level, trusted)
	for _, w := range warnings {
		a.Log.Warnf("%s", w)
	}
	return err
}

// Launch verifies the package, ensures its workenv and runs the app with userArgs.
func (a *App) Launch(userArgs []string) error {
	p, f, err := a.openPackage()
	if err != nil {
		if errors.Is(err, errBare) {
			a.Stderr.Write([]byte(a.Prog + ": error: this launcher has no package appended\n"))
			os.Exit(errs.ExitPackage)
		}
		return err
	}
	defer f.Close()
	if err := a.authenticate(p); err != nil {
		return err
	}
	if err := parsePackage(p); err != nil {
		return err
	}
	if err := launch.CheckMachineGlibc(p.Meta.Glibc, a.Log.Debugf); err != nil {
		return err
	}
	cache, err := workenv.ResolveRoot(a.Getenv)
	if err != nil {
		return err
	}
	if err := cache.Prepare(); err != nil {
		return err
	}
	in := a.installer(cache, p)
	lock, cold, err := in.Ensure()
	if err != nil {
		return err
	}
	run, err := in.PrepareRun(cold)
	if err != nil {
		lock.Close()
		return err
	}
	plan, err := a.plan(p, cache, in.Workenv(), run, userArgs)
	if err == nil {
		// The app gets real paths (its interpreter and children need them): prove that the workenv path
		// still leads to the folder that was checked and installed through the cache handles.
		err = cache.ConfirmPath(in.ID)
	}
	if err != nil {
		run.Close()
		lock.Close()
		return err
	}
	if a.runsAsService(p) {
		return a.runService(p, in.Workenv(), plan, lock, userArgs)
	}
	a.Log.Debugf("running %s", plan.Program)
	if launch.SpawnDefault || run.MustWait() || strings.EqualFold(a.Getenv("FLAVOR_EXEC_MODE"), "spawn") {
		return a.spawnAndExit(plan, lock, run)
	}
	f.Close()
	return launch.Exec(plan, lock.File())
}

// spawnAndExit runs the app as a child (forwarding signals), removes the per-run folder of temp slots
// once it has exited, and exits with its exit code. The child inherits the workenv and per-run locks,
// so both stay held if the launcher itself is killed.
func (a *App) spawnAndExit(plan *launch.Plan, lock *workenv.Lock, run *workenv.Run) error {
	code, err := launch.Spawn(plan, append([]*os.File{lock.File()}, run.Files()...)...)
	run.Close()
	lock.Close()
	if err != nil {
		return err
	}
	os.Exit(code)
	return nil
}

func (a *App) installer(cache *workenv.Cache, p *verify.Package) *workenv.Installer {
	meta := p.Meta
	in := &workenv.Installer{Cache: cache, Pkg: p, LauncherVersion: a.Version, Log: a.Log,
		ID: workenv.Identity(meta.Package.Name, meta.Package.Version, p.SignedSHA256)}
	if len(meta.SetupCommands) > 0 {
		in.Setup = func(staging string) error {
			cmds, err := launch.ParseSetup(meta.SetupCommands)
			if err != nil {
				return err
			}
			ctx := a.context(p, cache, staging, nil)
			env, err := launch.BuildEnv(a.Environ, meta, ctx)
			if err != nil {
				return err
			}
			s := &launch.Setup{Ph: ctx.Placeholders, Env: env, Out: a.Stderr, Log: a.Log.Debugf}
			return s.Run(cmds)
		}
	}
	return in
}

func (a *App) context(p *verify.Package, cache *workenv.Cache, wdir string, run *workenv.Run) launch.Context {
	slash := wdir
	if runtime.GOOS == "windows" {
		slash = strings.ReplaceAll(wdir, `\`, "/")
	}
	argv0 := a.Exe
	if len(a.Args) > 0 {
		argv0 = a.Args[0]
	}
	ctx := launch.Context{
		Placeholders: launch.Placeholders{Workenv: slash, PackageName: p.Meta.Package.Name, Version: p.Meta.Package.Version,
			SlotPaths: launch.SlotPaths(slash, p.Meta.Slots)},
		CacheRoot: cache.Root, PackagePath: a.Exe, Argv0: argv0,
	}
	withRun(&ctx, run)
	return ctx
}

// withRun points {slot:N} of temp and persistent slots at the per-run folder and the persistent store.
func withRun(ctx *launch.Context, run *workenv.Run) {
	if run == nil {
		return
	}
	for i, p := range run.SlotPaths {
		ctx.SlotPaths[i] = filepath.ToSlash(p)
	}
	ctx.RunDir, ctx.StoreDir = run.Dir, run.Store
}

// plan builds the child's environment and argv.
func (a *App) plan(p *verify.Package, cache *workenv.Cache, wdir string, run *workenv.Run, userArgs []string) (*launch.Plan, error) {
	ctx := a.context(p, cache, wdir, run)
	env, err := launch.BuildEnv(a.Environ, p.Meta, ctx)
	if err != nil {
		return nil, err
	}
	line, err := launch.SelectCommand(p.Meta.Execution, a.Getenv("FLAVOR_COMMAND"), ctx.Argv0)
	if err != nil {
		return nil, err
	}
	return launch.BuildPlan(line, ctx.Placeholders, env, userArgs)
}
