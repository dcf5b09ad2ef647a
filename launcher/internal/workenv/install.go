package workenv

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/logx"
	"flavorpack.dev/launcher/internal/payload"
	"flavorpack.dev/launcher/internal/verify"
)

// Lock timeouts (docs/workenv.md).
var (
	SharedTimeout    = 120 * time.Second
	ExclusiveTimeout = 300 * time.Second
)

// Installer makes sure the workenv of one package exists and is intact.
type Installer struct {
	Cache           *Cache
	Pkg             *verify.Package
	ID              string
	LauncherVersion string
	Log             *logx.Logger
	// Setup runs the package's setup commands with {workenv} = staging.
	Setup func(staging string) error
	// AfterSlot is a test hook called after each slot was placed.
	AfterSlot func(i int)

	keys SlotKeys // encrypted slots' keys, read and checked before extraction (keys.go)
}

// Workenv is the path of the workenv, as the app sees it ({workenv}, FLAVOR_WORKENV). The launcher
// itself reaches it only through the opened root/workenv handle.
func (in *Installer) Workenv() string { return filepath.Join(in.Cache.Dir, in.ID) }

// Names of the cache entries of this id in root/workenv.
func (in *Installer) lockName() string   { return in.ID + ".lock" }
func (in *Installer) markerName() string { return in.ID + ".ready" }

// Ensure returns the workenv path and a shared lock on it, installing it first if needed. The lock
// must stay held (across exec) while the app runs. cold reports whether an installation happened.
func (in *Installer) Ensure() (lock *Lock, cold bool, err error) {
	if err := in.Cache.Prepare(); err != nil { // a no-op when the caller opened it already
		return nil, false, err
	}
	deadline := time.Now().Add(ExclusiveTimeout)
	for attempt := 0; attempt < 10; attempt++ {
		if lk, ok, err := in.warm(); err != nil || ok {
			return lk, false, err
		}
		// A running app holds a shared lock for its whole life, so waiting for the exclusive lock
		// can take long; stop waiting as soon as another launch has completed the install.
		lk, err := acquireUnless(in.Cache.dir, in.lockName(), true, time.Until(deadline), in.intact)
		if errors.Is(err, errStopped) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		cold = !in.intact()
		if cold {
			if err := in.install(); err != nil {
				lk.Close()
				return nil, true, err
			}
		}
		if err := lk.Downgrade(); err != nil {
			lk.Close()
			return nil, cold, err
		}
		if lk.current() && in.intact() { // a remover may slip in while the lock is converted
			lk.Touch()
			return lk, cold, nil
		}
		lk.Close()
	}
	return nil, cold, errs.New(errs.CacheBusy, "workenv %s keeps changing while it is installed", in.ID)
}

// warm is the warm path: marker present, shared lock, marker and tree intact.
func (in *Installer) warm() (*Lock, bool, error) {
	if _, err := in.Cache.dir.Lstat(in.markerName()); err != nil {
		return nil, false, nil
	}
	lk, err := Acquire(in.Cache.dir, in.lockName(), false, SharedTimeout)
	if err != nil {
		return nil, false, err
	}
	if in.intact() {
		lk.Touch()
		return lk, true, nil
	}
	lk.Close()
	in.Log.Debugf("workenv %s is damaged or incomplete; reinstalling", in.ID)
	return nil, false, nil
}

// intact reads the marker and checks it against the package and the tree.
func (in *Installer) intact() bool {
	m, err := ReadMarker(in.Cache.dir, in.markerName())
	if err != nil {
		return false
	}
	return m.Matches(in.ID, in.Pkg.SignedSHA256) && m.TreeIntact(in.Cache.dir, in.ID)
}

// install runs the cold path under the exclusive lock, entirely relative to the root/workenv handle.
func (in *Installer) install() error {
	dir := in.Cache.dir
	// The launcher's bytes are signed through metadata launcher.checksum (docs/format.md, step 9).
	if err := in.checkStoredBytes(); err != nil {
		return err
	}
	keys, err := UnlockSlots(in.Pkg, in.installedSlots())
	if err != nil {
		return err
	}
	in.keys = keys
	if err := dir.Remove(in.markerName()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.CacheError, err, "failed to remove stale marker %s", in.Workenv()+".ready")
	}
	in.cleanLeftovers()
	in.Log.Debugf("extracting %s into the cache %s", in.ID, in.Cache.Dir)
	defer in.firstRunNotice()()
	staging, err := mkdirTemp(dir, in.ID+".staging-")
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to create a staging folder in %s", in.Cache.Dir).WithHint(cacheHint)
	}
	ok := false
	defer func() {
		if !ok {
			dir.RemoveAll(staging)
		}
	}()
	entries, err := in.populate(staging)
	if err != nil {
		return err
	}
	if _, err := dir.Lstat(in.ID); err == nil {
		if err := removeTree(dir, in.ID); err != nil {
			return err
		}
	}
	if err := dir.Rename(staging, in.ID); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to move %s into place", filepath.Join(in.Cache.Dir, staging))
	}
	ok = true
	if err := syncDir(dir); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to sync %s", in.Cache.Dir)
	}
	if err := writeMarker(dir, in.markerName(), in.marker(entries)); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to write the ready marker %s", in.Workenv()+".ready")
	}
	in.Log.Debugf("installed %s", in.ID)
	return nil
}

// populate extracts every slot into the staging folder (a name in root/workenv), runs setup, fixes
// shebangs, removes init slots, creates workenv.directories and returns the top-level entries. Symlinks
// are checked on disk again once all slots are in place and after init slots are gone: a later slot, or
// a removal, can change where an earlier link leads.
func (in *Installer) populate(staging string) ([]string, error) {
	root, err := in.Cache.dir.OpenRoot(staging)
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to open staging folder %s", staging)
	}
	defer root.Close()
	placed := make([]*payload.Placed, len(in.Pkg.Slots))
	var links []string
	for i := range in.Pkg.Slots {
		if !LifecycleOf(in.Pkg.Meta.Slots[i].Lifecycle).AtInstall() || in.skipsSlot(i) {
			continue // temp and persistent slots live outside the workenv (PrepareRun); lazy ones wait for a request (lazy.go); other platforms' slots are skipped (platform.go)
		}
		p, err := placeSlot(root, in.Pkg, i, in.keys[i])
		if err != nil {
			return nil, err
		}
		placed[i], links = p, append(links, p.Links...)
		in.Log.Debugf("unpacked slot %d (%s)", i, in.Pkg.Meta.Slots[i].ID)
		if in.AfterSlot != nil {
			in.AfterSlot(i)
		}
	}
	if err := payload.CheckLinks(root, links); err != nil {
		return nil, err
	}
	stagingPath := filepath.Join(in.Cache.Dir, staging)
	if in.Setup != nil {
		// Setup commands are programs: they get the path, whose folders the cache checks made safe.
		if err := in.Setup(stagingPath); err != nil {
			return nil, err
		}
	}
	if err := rewriteShebangs(root, stagingPath, in.Workenv()); err != nil {
		return nil, err
	}
	if err := removeInitSlots(root, in.Pkg.Meta, placed); err != nil {
		return nil, err
	}
	if err := payload.CheckLinks(root, links); err != nil {
		return nil, err
	}
	if err := createDirectories(root, in.Pkg.Meta); err != nil {
		return nil, err
	}
	return topEntries(root)
}

// checkStoredBytes hashes the launcher and every slot's stored bytes and compares them with the signed
// checksums (LAUNCHER_CHECKSUM, SLOT_CHECKSUM, SLOT_DESCRIPTOR_CHECKSUM) before anything is written: a
// package changed in transit writes nothing into the cache but its lock file (docs/security.md). The
// debug line's time is what `npm run bench` reports as the pre-hash cost of a cold start.
func (in *Installer) checkStoredBytes() error {
	if _, err := in.Pkg.CheckLauncher(); err != nil {
		return err
	}
	pkg := in.Pkg
	for i := range pkg.Slots {
		if IsLazy(pkg.Meta.Slots[i]) || in.skipsSlot(i) { // lazy: read on first request only (lazy.go); platform.go
			continue
		}
		start := time.Now()
		if err := pkg.VerifySlot(i); err != nil {
			return err
		}
		in.Log.Debugf("slot %d: stored bytes hashed before decoding (%d bytes, %.3f ms)", i, pkg.Slots[i].Size, float64(time.Since(start).Microseconds())/1000)
	}
	return nil
}

// PlaceSlot checks slot i's stored bytes against the signed hash, then extracts it into root (reading
// and checking the key first when the slot is encrypted).
func PlaceSlot(root *os.Root, pkg *verify.Package, i int) (*payload.Placed, error) {
	if err := pkg.VerifySlot(i); err != nil {
		return nil, err
	}
	keys, err := UnlockSlots(pkg, []int{i})
	if err != nil {
		return nil, err
	}
	return placeSlot(root, pkg, i, keys[i])
}

// placeSlot streams slot i from the package into root, hashing it again on the way: the file could
// change after checkStoredBytes read it, and the signed size cap bounds what such a change can write.
func placeSlot(root *os.Root, pkg *verify.Package, i int, key []byte) (*payload.Placed, error) {
	meta, slot := pkg.Meta.Slots[i], pkg.Slots[i]
	mode := fs.FileMode(0) // only the signed metadata decides the mode (as src/reader/extract.ts)
	if meta.Permissions != nil {
		if v, ok := format.ParsePermissions(*meta.Permissions); ok {
			mode = fs.FileMode(v) & 0o777
		}
	}
	if mode == 0 {
		mode = 0o600
	}
	r := pkg.OpenSlot(i)
	placed, err := payload.Place(root, payload.Placement{Index: i, Target: meta.Target, Chain: slot.Chain, Mode: mode, Stored: slot.Size, Declared: meta.OrigSize, Key: key, ID: meta.ID}, r)
	// A checksum failure explains a decoding failure better than the decoder does.
	if cerr := r.Check(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		e := errs.Wrap(errs.CodeOf(err), err, "failed to extract slot %d (%s)", i, meta.ID)
		switch e.Code {
		case errs.UnsafePath, errs.UnsafeEntry, errs.PayloadTooLarge:
			e.WithHint("the package's signed payload is hostile or broken (it would write outside its folder or more than it declares); do not run it, and tell its publisher")
		}
		return nil, e
	}
	return placed, nil
}

func (in *Installer) marker(entries []string) *Marker {
	meta := in.Pkg.Meta
	m := &Marker{
		Marker: MarkerFormat, ID: in.ID, MetadataSHA256: hex.EncodeToString(in.Pkg.SignedSHA256[:]),
		Package:     MarkerPkg{Name: meta.Package.Name, Version: meta.Package.Version},
		InstalledAt: time.Now().UTC().Format(time.RFC3339), LauncherVersion: in.LauncherVersion,
		Entries: withoutTrimmable(entries, meta), Slots: make([]MarkerSlot, len(meta.Slots)),
	}
	for i, s := range meta.Slots {
		m.Slots[i] = MarkerSlot{Index: i, ID: s.ID, Target: s.Target, Lifecycle: s.Lifecycle, SHA256: hex.EncodeToString(s.SHA256[:])}
	}
	return m
}

// cleanLeftovers removes staging and removal folders of this id (we hold the exclusive lock, so
// no live process owns them) and stale marker temp files. Root.RemoveAll never follows symlinks.
func (in *Installer) cleanLeftovers() {
	names, err := readNames(in.Cache.dir, ".")
	if err != nil {
		return
	}
	for _, n := range names {
		if strings.HasPrefix(n, in.ID+".staging-") || strings.HasPrefix(n, in.ID+".removing-") || strings.HasPrefix(n, in.ID+".ready.tmp-") {
			in.Log.Debugf("removing leftover %s", n)
			in.Cache.dir.RemoveAll(n)
		}
	}
}

// removeTree renames name in dir to <name>.removing-<rand> and deletes it without following symlinks.
func removeTree(dir *os.Root, name string) error {
	tomb := name + ".removing-" + randHex()
	if err := dir.Rename(name, tomb); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to move %s aside", filepath.Join(dir.Name(), name))
	}
	if err := dir.RemoveAll(tomb); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to delete %s", filepath.Join(dir.Name(), tomb))
	}
	return nil
}

// mkdirTemp creates a new private folder prefix<rand> in dir and returns its name.
func mkdirTemp(dir *os.Root, prefix string) (string, error) {
	for {
		name := prefix + randHex()
		err := dir.Mkdir(name, 0o700)
		if !errors.Is(err, fs.ErrExist) {
			return name, err
		}
	}
}

func randHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// readNames lists the names in folder name of dir.
func readNames(dir *os.Root, name string) ([]string, error) {
	d, err := dir.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

func topEntries(root *os.Root) ([]string, error) {
	names, err := readNames(root, ".")
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to list %s", root.Name())
	}
	sort.Strings(names)
	return names, nil
}

func createDirectories(root *os.Root, meta *format.Metadata) error {
	if meta.Workenv == nil {
		return nil
	}
	for _, d := range meta.Workenv.Directories {
		rel, err := payload.TargetPath(d.Path)
		if err != nil {
			return err
		}
		if rel == "" {
			continue
		}
		mode := fs.FileMode(0o700)
		if v, ok := format.ParsePermissions(d.Mode); ok && d.Mode != "" {
			mode = fs.FileMode(v) & 0o777
		}
		if err := root.MkdirAll(rel, 0o755); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to create workenv folder %s", rel)
		}
		if err := root.Chmod(rel, mode); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to chmod workenv folder %s", rel)
		}
	}
	return nil
}

// rewriteShebangs replaces the staging path with the final path in the first line of every "#!"
// regular file directly in bin/ of the staging root.
func rewriteShebangs(root *os.Root, staging, final string) error {
	names, err := readNames(root, "bin")
	if err != nil {
		return nil
	}
	for _, name := range names {
		p := filepath.Join("bin", name)
		fi, err := root.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		b, err := root.ReadFile(p)
		if err != nil || len(b) < 2 || b[0] != '#' || b[1] != '!' {
			continue
		}
		nl := strings.IndexByte(string(b), '\n')
		if nl < 0 {
			nl = len(b)
		}
		first := string(b[:nl])
		if !strings.Contains(first, staging) {
			continue
		}
		out := strings.ReplaceAll(first, staging, final) + string(b[nl:])
		if err := root.WriteFile(p, []byte(out), fi.Mode().Perm()); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to rewrite %s", filepath.Join(staging, p))
		}
	}
	return nil
}
