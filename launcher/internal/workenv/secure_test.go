//go:build unix

package workenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"flavorpack.dev/launcher/internal/errs"
)

// otherUID is a uid that is neither root nor the test's user (no passwd entry needed).
const otherUID = 64102

// needRoot skips a test that must chown to another user, except in CI (which runs as root).
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI runs as root: this test needs it to give a folder to another user")
	}
	t.Skip("needs root to chown to another user")
}

func cacheAt(root string) *Cache {
	return &Cache{Root: root, Dir: filepath.Join(root, "workenv")}
}

// expectUnsafe checks a CACHE_UNSAFE refusal that names dir in the message and in the hint.
func expectUnsafe(t *testing.T, err error, dir, why string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != errs.CacheUnsafe {
		t.Fatalf("want CACHE_UNSAFE naming %s, got %v", dir, err)
	}
	if !strings.Contains(e.Msg, dir) || !strings.Contains(e.Msg, why) || !strings.Contains(e.Hint, "fix "+dir+":") {
		t.Fatalf("message %q / hint %q should name %s and say %q", e.Msg, e.Hint, dir, why)
	}
}

func mkdirMode(t *testing.T, dir string, mode os.FileMode) string {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAncestorWritableByOthersIsRefusedBeforeAnythingIsCreated(t *testing.T) {
	for _, mode := range []os.FileMode{0o777, 0o775, 0o757} {
		shared := mkdirMode(t, filepath.Join(t.TempDir(), "shared"), mode)
		err := cacheAt(filepath.Join(shared, "me", "cache")).Prepare()
		expectUnsafe(t, err, shared, "is writable by other users")
		if _, err := os.Lstat(filepath.Join(shared, "me")); !os.IsNotExist(err) {
			t.Fatalf("mode %o: created a folder below the unsafe one", mode)
		}
	}
}

func TestStickyWorldWritableAncestorIsAccepted(t *testing.T) {
	tmp := mkdirMode(t, filepath.Join(t.TempDir(), "tmp"), os.ModeSticky|0o777)
	c := cacheAt(filepath.Join(tmp, "xdg", "flavor"))
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if fi, err := os.Stat(c.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatal(fi, err)
	}
}

func TestAncestorOwnedByAnotherUserIsRefused(t *testing.T) {
	needRoot(t)
	for _, mode := range []os.FileMode{0o755, os.ModeSticky | 0o777} {
		theirs := mkdirMode(t, filepath.Join(t.TempDir(), "theirs"), mode)
		mine := mkdirMode(t, filepath.Join(theirs, "mine"), 0o700)
		if err := os.Chown(theirs, otherUID, otherUID); err != nil {
			t.Fatal(err)
		}
		err := cacheAt(filepath.Join(mine, "cache")).Prepare()
		expectUnsafe(t, err, theirs, "is owned by another user (uid 64102)")
	}
}

func TestLinksAboveTheRoot(t *testing.T) {
	base := t.TempDir()
	real := mkdirMode(t, filepath.Join(base, "real"), 0o755)
	mine := filepath.Join(base, "mine")
	if err := os.Symlink("real", mine); err != nil {
		t.Fatal(err)
	}
	c := cacheAt(filepath.Join(mine, "cache"))
	if err := c.Prepare(); err != nil {
		t.Fatalf("a link of the user's own above the root: %v", err)
	}
	c.Close()
	if _, err := os.Stat(filepath.Join(real, "cache", "workenv")); err != nil {
		t.Fatal("the cache is not below the link's target")
	}
	// The root itself must be a real directory, whoever owns the link.
	expectUnsafe(t, cacheAt(mine).Prepare(), mine, "is a symbolic link")

	needRoot(t)
	theirs := filepath.Join(base, "theirs")
	if err := os.Symlink("real", theirs); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(theirs, otherUID, otherUID); err != nil {
		t.Fatal(err)
	}
	expectUnsafe(t, cacheAt(filepath.Join(theirs, "cache")).Prepare(), theirs, "symbolic link owned by another user")
}

func TestRootHandleMustBeTheCheckedFolder(t *testing.T) {
	base := t.TempDir()
	checked := mkdirMode(t, filepath.Join(base, "checked"), 0o700)
	other := mkdirMode(t, filepath.Join(base, "other"), 0o700)
	fd, err := unix.Open(checked, dirFlags, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := rootHandle(frame{fd: fd, path: checked}, other); errs.CodeOf(err) != errs.CacheUnsafe {
		t.Fatalf("a path that names another folder than the checked one: %v", err)
	}
	r, err := rootHandle(frame{fd: fd, path: checked}, checked)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

// TestEveryOperationUsesTheOpenedRoot swaps the cache root's path for a forged cache after it was opened
// (what a RENAME_EXCHANGE racer does): install, warm check, marker, lock, list and remove must all keep
// working on the folder that was opened and checked, and the exec-time path check must notice.
func TestEveryOperationUsesTheOpenedRoot(t *testing.T) {
	in := newInstaller(t, spec())
	c := in.Cache
	held := c.Root + ".held"
	if err := os.Rename(c.Root, held); err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(c.Dir, in.ID)
	if err := os.MkdirAll(filepath.Join(forged, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(forged, "bin", "run"), []byte("#!/bin/sh\necho forged\n"), 0o755)
	os.WriteFile(filepath.Join(c.Dir, "planted-1.0-0123456789abcdef.ready"), []byte("{}"), 0o600)

	lk, cold, err := in.Ensure()
	if err != nil || !cold {
		t.Fatal(err, cold)
	}
	if _, err := os.Stat(filepath.Join(held, "workenv", in.ID+".ready")); err != nil {
		t.Fatal("the marker was not written into the opened root")
	}
	if _, err := os.Stat(filepath.Join(held, "workenv", in.ID, "lib", "x")); err != nil {
		t.Fatal("the tree was not installed into the opened root")
	}
	if fi, err := os.Stat(filepath.Join(held, "workenv", in.ID+".lock")); err != nil || !fi.Mode().IsRegular() {
		t.Fatal("the lock is not in the opened root")
	}
	if _, err := os.Stat(filepath.Join(c.Dir, in.ID+".ready")); !os.IsNotExist(err) {
		t.Fatal("something was written at the swapped-in path")
	}
	if b, _ := os.ReadFile(filepath.Join(forged, "bin", "run")); string(b) != "#!/bin/sh\necho forged\n" {
		t.Fatal("the forged tree was touched")
	}
	expectUnsafe(t, c.ConfirmPath(in.ID), forged, "no longer names the folder that was checked")
	entries, err := c.List()
	if err != nil || len(entries) != 1 || entries[0].ID != in.ID || !entries[0].InUse {
		t.Fatalf("list read the swapped-in path: %+v %v", entries, err)
	}
	lk.Close()
	if r := c.Remove(in.ID); r.Status != "removed" {
		t.Fatal(r)
	}
	if _, err := os.Stat(filepath.Join(held, "workenv", in.ID)); !os.IsNotExist(err) {
		t.Fatal("remove did not remove from the opened root")
	}
	if _, err := os.Stat(filepath.Join(forged, "bin", "run")); err != nil {
		t.Fatal("remove deleted the swapped-in tree")
	}
}

func TestConfirmPathAcceptsTheInstalledWorkenv(t *testing.T) {
	in := newInstaller(t, spec())
	lk, _, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if err := in.Cache.ConfirmPath(in.ID); err != nil {
		t.Fatal(err)
	}
}

func TestPlantedLockLinkIsNotFollowed(t *testing.T) {
	in := newInstaller(t, spec())
	victim := filepath.Join(in.Cache.Dir, "elsewhere")
	os.WriteFile(victim, []byte("keep"), 0o600)
	os.Symlink("elsewhere", filepath.Join(in.Cache.Dir, in.ID+".lock"))
	lk, _, err := in.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if fi, err := os.Lstat(filepath.Join(in.Cache.Dir, in.ID+".lock")); err != nil || !fi.Mode().IsRegular() {
		t.Fatal("the lock is still a link", fi, err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Fatal(string(b))
	}
}
