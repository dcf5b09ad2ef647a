package cli

import (
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/launch"
	"flavorpack.dev/launcher/internal/verify"
	"flavorpack.dev/launcher/internal/workenv"
)

const usage = `usage: FLAVOR_LAUNCHER_CLI=1 %s <command> [args]

commands:
  info                   summary of the package
  verify [--json] [PKG...]
                         check everything in the order of docs/format.md, including every slot's
                         SHA-256 and the launcher checksum; with PKG, check those files instead of this
                         one; --json prints one JSON line per package: {path, ok, code, message,
                         fingerprint, pinned}
  metadata               print the signed metadata JSON verbatim
  extract SLOT DIR       extract one slot (index or id) into DIR as if DIR were the workenv
  run [ARGS...]          launch the app with ARGS
  slot ensure SLOT       install the workenv if needed, extract SLOT (index or id) if it is a lazy
                         slot not extracted yet, and print its absolute path
  slot path SLOT         print where SLOT lands in the workenv (nothing is extracted)
  slot list [--json]     every slot with its path and whether it is extracted
  cache root [--json]    show the cache root and the rule that chose it
  cache list [--json]    list the workenvs in the cache
  cache remove [--json] ID...   remove workenvs that are not in use
  service status [--json]       is this package's service running (exit 0), stale (1),
                         stopped (3), running but not answering on its port (4)
  service stop           SIGTERM, then SIGKILL after 10 s
  service restart [ARGS...]     stop, then start again
  service logs [--follow]       print the service's log
  --version              print the launcher version
  help                   this text
`

// cliMode dispatches FLAVOR_LAUNCHER_CLI commands.
func (a *App) cliMode(args []string) int {
	cmd := "info"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "--version", "version", "-V":
		fmt.Fprintf(a.Stdout, "flavor-launcher %s (%s/%s)\n", a.Version, runtime.GOOS, runtime.GOARCH)
		return 0
	case "help", "--help", "-h":
		fmt.Fprintf(a.Stdout, usage, a.Prog)
		return 0
	case "cache":
		return a.fail(a.cacheCmd(args))
	case "run":
		return a.fail(a.Launch(args))
	case "slot":
		return a.fail(a.slotCmd(args))
	case "info":
		return a.fail(a.withPackage(false, a.info))
	case "metadata":
		return a.fail(a.withPackage(false, func(p *verify.Package) error {
			_, err := a.Stdout.Write(p.Signed)
			return err
		}))
	case "extract":
		if len(args) != 2 {
			return a.fail(usageErr("extract needs SLOT and DIR"))
		}
		return a.fail(a.withPackage(true, func(p *verify.Package) error { return a.extract(p, args[0], args[1]) }))
	case "verify":
		return a.verifyCmd(args)
	case "service":
		return a.serviceCmd(args)
	}
	return a.fail(usageErr("unknown command %q", cmd))
}

func usageErr(format string, args ...any) error {
	return errs.New(errs.Usage, format, args...).WithHint("run with FLAVOR_LAUNCHER_CLI=1 and the argument help for usage")
}

// withPackage opens this package, authenticates it when auth is set (as a launch does), parses it
// and calls fn. Without auth, `info` reports the signature state itself.
func (a *App) withPackage(auth bool, fn func(*verify.Package) error) error {
	p, f, err := a.openPackage()
	if err != nil {
		return err
	}
	defer f.Close()
	if auth {
		if err := a.authenticate(p); err != nil {
			return err
		}
	}
	if err := parsePackage(p); err != nil {
		return err
	}
	return fn(p)
}

func (a *App) info(p *verify.Package) error {
	m, ix := p.Meta, p.Index
	w := a.Stdout
	fmt.Fprintf(w, "%s %s (%s)\n", m.Package.Name, m.Package.Version, m.Format)
	fmt.Fprintf(w, "package:    %s (%d bytes)\n", a.Exe, p.Size)
	fmt.Fprintf(w, "launcher:   %d bytes, flavor-launcher %s (%s/%s)\n", ix.LauncherSize, a.Version, runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "metadata:   %d bytes gzip, %d bytes JSON\n", ix.MetadataSize, len(p.Signed))
	sig := "valid"
	if err := p.CheckSignature(); err != nil {
		sig = "NOT VALID (" + errs.CodeOf(err) + ")"
	}
	fmt.Fprintf(w, "signature:  %s, key %s\n", sig, hex.EncodeToString(ix.PublicKey[:]))
	fmt.Fprintf(w, "key id:     sha256:%s\n", verify.Fingerprint(ix.PublicKey[:]))
	fmt.Fprintf(w, "workenv:    %s\n", workenv.Identity(m.Package.Name, m.Package.Version, p.SignedSHA256))
	fmt.Fprintf(w, "command:    %s\n", m.Execution.Command)
	for _, name := range sortedCommandNames(m.Execution.Commands) {
		fmt.Fprintf(w, "  %s: %s\n", name, m.Execution.Commands[name])
	}
	if m.Service() {
		fmt.Fprintf(w, "service:    persistent%s (FLAVOR_LAUNCHER_CLI=1 %s service status)\n", portText(m.Runtime.Port), a.Prog)
	}
	fmt.Fprintf(w, "requires:   %s\n", requiresText(m.Glibc))
	fmt.Fprintf(w, "this libc:  %s\n", libcText(launch.HostLibc("/")))
	fmt.Fprintf(w, "slots:      %d\n", len(p.Slots))
	for i, s := range p.Slots {
		sm := m.Slots[i]
		fmt.Fprintf(w, "  [%d] %s -> %s (%s, %d bytes, %s)\n", i, sm.ID, sm.Target, s.Chain, s.Size, sm.Lifecycle)
	}
	return nil
}

func (a *App) extract(p *verify.Package, slot, dir string) error {
	idx := -1
	if n, err := strconv.Atoi(slot); err == nil && n >= 0 && n < len(p.Slots) {
		idx = n
	}
	for i, s := range p.Meta.Slots {
		if idx < 0 && s.ID == slot {
			idx = i
		}
	}
	if idx < 0 {
		return usageErr("no slot %q in this package", slot)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errs.Wrap(errs.IOError, err, "failed to create %s", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open %s", dir)
	}
	defer root.Close()
	if _, err := workenv.PlaceSlot(root, p, idx); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "extracted slot %d (%s) to %s\n", idx, p.Meta.Slots[idx].ID, dir)
	return nil
}
