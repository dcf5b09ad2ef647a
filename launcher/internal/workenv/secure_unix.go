//go:build unix

package workenv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"flavorpack.dev/launcher/internal/errs"
)

// maxLinks bounds the symbolic links followed above the cache root (as the kernel's ELOOP limit).
const maxLinks = 40

// frame is one opened directory of the walk and its physical path.
type frame struct {
	fd   int
	path string
}

// walk opens a directory path one component at a time from "/", with openat(O_NOFOLLOW) relative to
// the previous directory's descriptor, and checks every directory it passes with fstat on the opened
// descriptor: what is checked is what is held, whatever happens to the path string meanwhile.
type walk struct {
	euid   int
	create bool
	links  int
	stack  []frame
}

// openCacheDirs opens the cache root and root/workenv by the rules of docs/workenv.md "Cache root"
// (creating them when create is set) and returns them as os.Root handles for every later operation.
func openCacheDirs(root string, create bool) (*os.Root, *os.Root, error) {
	w := &walk{euid: os.Geteuid(), create: create}
	defer w.close()
	if err := w.start(); err != nil {
		return nil, nil, err
	}
	comps := splitPath(root)
	if len(comps) == 0 {
		return nil, nil, unsafeErr(root, root, "is the file system root")
	}
	if err := w.follow(root, comps); err != nil {
		return nil, nil, err
	}
	if err := w.step(root, "workenv", true); err != nil {
		return nil, nil, err
	}
	wenv := w.stack[len(w.stack)-1]
	rootFrame := w.stack[len(w.stack)-2]
	rh, err := rootHandle(rootFrame, root)
	if err != nil {
		return nil, nil, err
	}
	dh, err := rootHandle(wenv, filepath.Join(root, "workenv"))
	if err != nil {
		rh.Close()
		return nil, nil, err
	}
	return rh, dh, nil
}

// rootHandle opens an os.Root on path and proves it is the directory the walk checked (same device and
// inode as the held descriptor); a difference means something changed the path during the launch.
func rootHandle(f frame, path string) (*os.Root, error) {
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to open cache folder %s", path).WithHint(cacheHint)
	}
	var held unix.Stat_t
	if err := unix.Fstat(f.fd, &held); err != nil {
		r.Close()
		return nil, errs.Wrap(errs.CacheError, err, "failed to stat cache folder %s", path).WithHint(cacheHint)
	}
	fi, err := r.Stat(".")
	st, ok := statOf(fi)
	if err != nil || !ok || uint64(st.Dev) != uint64(held.Dev) || uint64(st.Ino) != uint64(held.Ino) {
		r.Close()
		return nil, unsafeErr(path, path, "changed while it was being checked")
	}
	return r, nil
}

// start opens "/" and checks it as an ancestor.
func (w *walk) start() error {
	w.close()
	fd, err := unix.Open("/", dirFlags, 0)
	if err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to open /").WithHint(cacheHint)
	}
	w.stack = []frame{{fd: fd, path: "/"}}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to stat /").WithHint(cacheHint)
	}
	return w.checkAncestor("", "/", &st)
}

func (w *walk) close() {
	for _, f := range w.stack {
		unix.Close(f.fd)
	}
	w.stack = nil
}

func (w *walk) top() frame { return w.stack[len(w.stack)-1] }

// follow walks comps; symbolic links above the root are resolved here (their targets' folders are
// checked like any other); the last component — the cache root — must be a real directory.
func (w *walk) follow(root string, comps []string) error {
	for len(comps) > 0 {
		name := comps[0]
		comps = comps[1:]
		switch name {
		case ".":
			continue
		case "..":
			if len(w.stack) > 1 {
				unix.Close(w.top().fd)
				w.stack = w.stack[:len(w.stack)-1]
			}
			continue
		}
		final := len(comps) == 0
		target, err := w.readLink(root, name, final)
		if err != nil {
			return err
		}
		if target == nil {
			if err := w.step(root, name, final); err != nil {
				return err
			}
			continue
		}
		if strings.HasPrefix(*target, "/") {
			if err := w.start(); err != nil {
				return err
			}
		}
		comps = append(splitPath(*target), comps...)
	}
	return nil
}

// readLink returns the target of name when it is a symbolic link a safe ancestor may hold (owned by
// root or the user, who alone can change it), nil when it is not a link.
func (w *walk) readLink(root, name string, final bool) (*string, error) {
	at := w.top()
	display := filepath.Join(at.path, name)
	var st unix.Stat_t
	err := unix.Fstatat(at.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return nil, nil // step reports a missing or odd entry
	}
	if final {
		return nil, unsafeErr(root, display, "is a symbolic link, not a real directory")
	}
	if int(st.Uid) != 0 && int(st.Uid) != w.euid {
		return nil, aboveErr(root, display, "is a symbolic link owned by another user (uid %d), who can point it elsewhere", st.Uid)
	}
	if w.links++; w.links > maxLinks {
		return nil, errs.New(errs.CacheError, "too many symbolic links above the cache root %s", root).WithHint(cacheHint)
	}
	buf := make([]byte, 4096)
	n, err := unix.Readlinkat(at.fd, name, buf)
	if err != nil {
		return nil, errs.Wrap(errs.CacheError, err, "failed to read the link %s", display).WithHint(cacheHint)
	}
	target := string(buf[:n])
	return &target, nil
}

// step opens the directory name below the top of the walk (creating it if allowed), checks it — as
// the cache root or root/workenv when strict, as an ancestor otherwise — and pushes it.
func (w *walk) step(root, name string, strict bool) error {
	at := w.top()
	display := filepath.Join(at.path, name)
	fd, err := unix.Openat(at.fd, name, dirFlags, 0)
	if errors.Is(err, unix.ENOENT) && w.create {
		mode := uint32(0o755)
		if strict {
			mode = 0o700
		}
		if err := unix.Mkdirat(at.fd, name, mode); err != nil && !errors.Is(err, unix.EEXIST) {
			return errs.Wrap(errs.CacheError, err, "failed to create cache folder %s", display).WithHint(cacheHint)
		}
		fd, err = unix.Openat(at.fd, name, dirFlags, 0)
	}
	switch {
	case errors.Is(err, unix.ENOENT):
		return errs.Wrap(errs.CacheError, fs.ErrNotExist, "cache folder %s does not exist", display).WithHint(cacheHint)
	case errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENOTDIR):
		return w.notDir(root, display, strict)
	case err != nil:
		return errs.Wrap(errs.CacheError, err, "failed to open cache folder %s", display).WithHint(cacheHint)
	}
	w.stack = append(w.stack, frame{fd: fd, path: display})
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return errs.Wrap(errs.CacheError, err, "failed to stat cache folder %s", display).WithHint(cacheHint)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return w.notDir(root, display, strict)
	}
	if strict {
		return w.checkOwn(root, display, &st)
	}
	return w.checkAncestor(root, display, &st)
}

func (w *walk) notDir(root, dir string, strict bool) error {
	if strict {
		return unsafeErr(root, dir, "is not a real directory")
	}
	return aboveErr(root, dir, "is not a real directory")
}

// checkAncestor applies the rule for folders above the root (as ssh's StrictModes): owned by root or
// the user, and not writable by group or others unless the sticky bit is set (in a sticky folder such
// as /tmp nobody but an entry's owner can rename or replace that entry).
func (w *walk) checkAncestor(root, dir string, st *unix.Stat_t) error {
	if int(st.Uid) != 0 && int(st.Uid) != w.euid {
		return aboveErr(root, dir, "is owned by another user (uid %d)", st.Uid)
	}
	if st.Mode&0o022 != 0 && st.Mode&unix.S_ISVTX == 0 {
		return aboveErr(root, dir, "is writable by other users (mode %04o, no sticky bit)", st.Mode&0o7777)
	}
	return nil
}

// checkOwn applies the rule for the cache root and root/workenv: owned by the user, not writable by
// group or others.
func (w *walk) checkOwn(root, dir string, st *unix.Stat_t) error {
	if int(st.Uid) != w.euid {
		return unsafeErr(root, dir, "is owned by another user (uid %d)", st.Uid)
	}
	if st.Mode&0o022 != 0 {
		return unsafeErr(root, dir, "is writable by other users (mode %04o)", st.Mode&0o7777)
	}
	return nil
}

func statOf(fi fs.FileInfo) (*syscall.Stat_t, bool) {
	if fi == nil {
		return nil, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return st, ok
}

// splitPath splits an absolute or relative slash path into its non-empty components.
func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}
