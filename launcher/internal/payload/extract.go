package payload

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// storedBuffer is the read size from the package file while a slot is decoded.
const storedBuffer = 1 << 20

// Placement describes one slot to place inside the staging root.
type Placement struct {
	Index  int
	Target string       // metadata target ("{workenv}/sub", "sub", "{workenv}")
	Chain  format.Chain // the verified chain
	Mode   fs.FileMode  // file mode for a non-tar slot
	Stored uint64       // stored size, for the decoded-size cap
	// Declared is the signed original_size (nil when the metadata omits it): a tighter cap.
	Declared *uint64
	// Key opens an encrypted chain (aes256-gcm), bound to the slot's ID. The output is then private:
	// folders 0700, file modes masked with 0700.
	Key []byte
	ID  string
}

// Placed is what Place created under root.
type Placed struct {
	Top   []string // top-level names created or written into
	Links []string // symlinks created (slash paths relative to root), already checked on disk
	Paths []string // every entry written (slash paths relative to root, sorted): the file, or the tar members
}

// Place decodes stored (the slot's stored bytes) and writes the result under root: a tar chain is
// unpacked into the target folder, any other chain is written to the target file. Nothing is written
// outside root, and the file contents written never exceed the slot's cap (signed original_size, else
// MaxDecoded). The caller checks the stored bytes' hash before (workenv.PlaceSlot).
func Place(root *os.Root, pl Placement, stored io.Reader) (*Placed, error) {
	rel, err := TargetPath(pl.Target)
	if err != nil {
		return nil, err
	}
	// The decoders read small pieces (zstd: a 3-byte block header, then the block); one 1 MiB buffer
	// turns two reads of the package file per block into one per MiB.
	stored = bufio.NewReaderSize(stored, storedBuffer)
	chain, private := pl.Chain, pl.Chain.Encrypted()
	if private {
		if pl.Key == nil {
			return nil, errs.New(errs.SlotKeyMissing, "slot %q is encrypted and no key was given", pl.ID)
		}
		if stored, err = Decrypt(stored, pl.Key, pl.ID); err != nil {
			return nil, err
		}
		chain = chain[:len(chain)-1]
	}
	decoded, closeFn, err := Decompress(stored, chain)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	max := MaxDecoded(pl.Stored)
	if pl.Declared != nil && *pl.Declared < uint64(max) {
		max = int64(*pl.Declared)
	}
	lr := &limitReader{r: decoded, max: max}
	x := &extractor{root: root, dirs: map[string]bool{"": true}, seen: map[string]bool{}, max: max, consumed: func() int64 { return lr.n }, private: private}
	defer x.closeDir()
	if pl.Chain.HasTar() {
		err = x.untar(rel, lr)
	} else {
		err = x.writeSlotFile(rel, lr, pl.Mode)
	}
	if err == nil {
		// Drain what the decoders left (e.g. tar padding) so stream errors are not missed.
		_, err = io.Copy(io.Discard, lr)
	}
	if err != nil {
		x.removeLinks() // a refused slot leaves no link behind that was not checked
		return nil, corrupt(err, "slot")
	}
	return &Placed{Top: x.topLevel(rel), Links: x.links, Paths: x.paths(rel, pl.Chain.HasTar())}, nil
}

func (x *extractor) paths(rel string, tar bool) []string {
	if !tar {
		return []string{rel}
	}
	out := make([]string, 0, len(x.seen))
	for p := range x.seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (x *extractor) removeLinks() {
	for _, l := range x.links {
		if fi, err := x.root.Lstat(l); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			x.root.Remove(l)
		}
	}
}

type extractor struct {
	root *os.Root
	// The folder the last entry went into, opened once: tar entries are sorted, so most consecutive
	// entries share it, and creating "name" in it costs one openat instead of one per path component.
	// Writers still filling files in it hold it open (dirRef).
	curDir  string
	cur     *dirRef
	top0    *dirRef // root itself
	pool    *writers
	queued  map[string]bool // regular files handed to the writers, maybe not created yet
	seq     int             // number of the current tar entry
	dirs    map[string]bool // folders known to be real directories (not links)
	seen    map[string]bool // entry paths of this slot, to refuse duplicates
	top     map[string]bool
	dirMode []dirMode
	links   []string // symlinks created, checked on disk after the last entry
	// max caps the decoded stream and, separately, the total of all file contents written (written).
	max      int64
	written  int64
	consumed func() int64 // decoded bytes read so far
	private  bool         // decrypted content: folders 0700, file modes & 0700
}

// perm is the mode an entry gets: its own, or owner-only for decrypted content.
func (x *extractor) perm(mode fs.FileMode, dir bool) fs.FileMode {
	switch {
	case x.private && dir:
		return 0o700
	case x.private:
		return mode & 0o700
	}
	return mode & 0o777
}

type dirMode struct {
	path string
	mode fs.FileMode
}

func (x *extractor) topLevel(rel string) []string {
	names := map[string]bool{}
	if rel != "" {
		names[strings.SplitN(rel, "/", 2)[0]] = true
	}
	for n := range x.top {
		names[n] = true
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (x *extractor) note(p string) {
	if x.top == nil {
		x.top = map[string]bool{}
	}
	x.top[strings.SplitN(p, "/", 2)[0]] = true
}

// ensureDir creates every component of dir, refusing a component that is a symlink or a file.
func (x *extractor) ensureDir(dir string) error {
	if x.dirs[dir] {
		return nil
	}
	if x.queued[dir] { // a file a writer may not have created yet
		return errs.New(errs.UnsafePath, "path %s goes through a file", dir)
	}
	if parent := path.Dir(dir); parent != "." {
		if err := x.ensureDir(parent); err != nil {
			return err
		}
	}
	// mkdir first: a new folder (the usual case) costs one walk of the path, not two. mkdir never
	// follows a link at the last component; an existing name is then checked as before.
	err := x.root.Mkdir(dir, x.perm(0o755, true))
	if err == nil {
		x.dirs[dir] = true
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return errs.Wrap(errs.IOError, err, "failed to create folder %s", dir)
	}
	fi, err := x.root.Lstat(dir)
	switch {
	case err != nil:
		return errs.Wrap(errs.IOError, err, "failed to stat %s", dir)
	case fi.Mode()&fs.ModeSymlink != 0:
		return errs.New(errs.UnsafePath, "path %s goes through a symbolic link", dir)
	case !fi.IsDir():
		return errs.New(errs.UnsafePath, "path %s goes through a file", dir)
	}
	x.dirs[dir] = true
	return nil
}

// in returns the (already ensured) folder dir as a root of its own, keeping only the latest one open
// (and those writers still use).
func (x *extractor) in(dir string) (*dirRef, error) {
	if dir == "" || dir == "." {
		if x.top0 == nil {
			x.top0 = &dirRef{root: x.root, keep: true}
			x.top0.acquire()
		}
		return x.top0, nil
	}
	if x.cur != nil && x.curDir == dir {
		return x.cur, nil
	}
	x.closeDir()
	r, err := x.root.OpenRoot(dir)
	if err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to open folder %s", dir)
	}
	x.cur, x.curDir = &dirRef{root: r}, dir
	x.cur.acquire()
	return x.cur, nil
}

// closeDir releases the extractor's hold on the folders it has open (writers may still hold them).
func (x *extractor) closeDir() {
	if x.cur != nil {
		x.cur.release()
		x.cur, x.curDir = nil, ""
	}
	if x.top0 != nil {
		x.top0.release()
		x.top0 = nil
	}
}

// create runs op(name) in p's folder; when p exists already (an earlier slot wrote it), the old
// non-directory is removed first, so a new entry never writes through an old link.
func (x *extractor) create(p string, op func(r *os.Root, name string) error) error {
	d, err := x.in(path.Dir(p))
	if err != nil {
		return err
	}
	return x.createIn(d.root, p, op)
}

// createIn is create with p's folder already open as dir.
func (x *extractor) createIn(dir *os.Root, p string, op func(r *os.Root, name string) error) error {
	name := path.Base(p)
	err := op(dir, name)
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := x.clearFile(p); err != nil {
		return err
	}
	return op(dir, name)
}

// clearFile removes a non-directory at p so a new entry never writes through an old link.
func (x *extractor) clearFile(p string) error {
	fi, err := x.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errs.Wrap(errs.IOError, err, "failed to stat %s", p)
	}
	if fi.IsDir() {
		return errs.New(errs.UnsafeEntry, "entry %s would replace a folder", p)
	}
	if err := x.root.Remove(p); err != nil {
		return errs.Wrap(errs.IOError, err, "failed to replace %s", p)
	}
	return nil
}

func (x *extractor) writeSlotFile(rel string, r io.Reader, mode fs.FileMode) error {
	if rel == "" {
		return errs.New(errs.UnsafePath, "a single-file slot needs a file target, not the workenv itself")
	}
	if err := x.ensureDir(path.Dir(rel)); err != nil {
		return err
	}
	return x.writeFile(rel, r, -1, mode)
}

// writeFile creates p and copies size bytes (all of r when size < 0) into it, within the slot's budget.
func (x *extractor) writeFile(p string, r io.Reader, size int64, mode fs.FileMode) error {
	if size > x.max-x.written {
		return errs.New(errs.PayloadTooLarge, "entry %s would make the slot write more than %d bytes", p, x.max)
	}
	if x.pool != nil && size >= 0 && size <= queuedFileMax {
		return x.queueFile(p, r, size, mode)
	}
	d, err := x.in(path.Dir(p))
	if err != nil {
		return err
	}
	f, err := x.createFile(d.root, p)
	if err != nil {
		return err
	}
	var n int64
	buf := make([]byte, copyBufferSize)
	if size >= 0 {
		n, err = io.CopyBuffer(writerOnly{f}, io.LimitReader(r, size), buf)
		if err == nil && n < size {
			err = io.ErrUnexpectedEOF
		}
	} else {
		n, err = io.CopyBuffer(writerOnly{f}, &limitReader{r: r, max: x.max - x.written}, buf)
	}
	x.written += n
	return x.closeFile(f, p, x.perm(mode, false), err)
}

// queueFile reads a small file entry and hands it to the writers.
func (x *extractor) queueFile(p string, r io.Reader, size int64, mode fs.FileMode) error {
	data, err := readContents(p, r, size)
	if err != nil {
		return err
	}
	x.written += size
	d, err := x.in(path.Dir(p))
	if err != nil {
		return err
	}
	if err := d.openRaw(); err != nil {
		return errs.Wrap(errs.IOError, err, "failed to open folder %s", path.Dir(p))
	}
	x.queued[p] = true
	x.pool.queue(writeJob{seq: x.seq, dir: d.acquire(), path: p, data: data, perm: x.perm(mode, false)})
	return nil
}

// createFile creates the new file p (its folder open as dir), replacing a non-directory an earlier
// slot left there.
func (x *extractor) createFile(dir *os.Root, p string) (*os.File, error) {
	var f *os.File
	err := x.createIn(dir, p, func(dir *os.Root, name string) (err error) {
		f, err = dir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		return err
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return nil, err
		}
		return nil, errs.Wrap(errs.IOError, err, "failed to create %s", p)
	}
	return f, nil
}

// closeFile gives the written file p its mode and closes it; err is the writing's error.
func (x *extractor) closeFile(f *os.File, p string, perm fs.FileMode, err error) error {
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = errs.Wrap(errs.IOError, cerr, "failed to write %s", p)
	}
	if err != nil {
		return fileError(p, err)
	}
	return nil
}

// fileError gives a failure to write file entry p its code: truncated input, or the disk.
func fileError(p string, err error) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errs.Wrap(errs.PayloadCorrupt, err, "truncated data for %s", p)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return errs.Wrap(errs.IOError, err, "failed to write %s", p)
	}
	return err
}

func (x *extractor) untar(dir string, r io.Reader) error {
	if err := x.ensureDir(dir); err != nil {
		return err
	}
	x.pool, x.queued = startWriters(x), map[string]bool{}
	err := x.readEntries(dir, r)
	x.closeDir()
	if err = x.pool.finish(x.seq, err); err != nil {
		return err
	}
	if err := CheckLinks(x.root, x.links); err != nil {
		return err
	}
	for i := len(x.dirMode) - 1; i >= 0; i-- {
		d := x.dirMode[i]
		if err := x.root.Chmod(d.path, d.mode); err != nil {
			return errs.Wrap(errs.IOError, err, "failed to chmod %s", d.path)
		}
	}
	return nil
}

// readEntries places every entry of the tar stream r (small files through the writers).
func (x *extractor) readEntries(dir string, r io.Reader) error {
	cr := &countingReader{r: r}
	tr := newTarReader(cr)
	var entryEnd int64 // stream offset where the last entry's data and padding end
	for ; !x.pool.failed.Load(); x.seq++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if cr.n < entryEnd+tarBlock {
				return errs.New(errs.PayloadCorrupt, "truncated tar archive: no end-of-archive marker")
			}
			break
		}
		if err != nil {
			return corrupt(err, "tar")
		}
		entryEnd = cr.n + (hdr.Size+tarBlock-1)/tarBlock*tarBlock
		if err := x.entry(dir, hdr, tr); err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) entry(dir string, hdr *tarHeader, r io.Reader) error {
	if hdr.Typeflag == tarTypeXGlobal {
		return nil
	}
	if isSparse(hdr) {
		return errs.New(errs.UnsafeEntry, "tar entry %q is a sparse file (not allowed)", hdr.Name)
	}
	name := normalizeName(hdr.Name)
	if name == "" {
		if hdr.Typeflag == tarTypeDir {
			return nil
		}
		return errs.New(errs.UnsafePath, "tar entry %q has no name", hdr.Name)
	}
	if err := CheckName(name); err != nil {
		return err
	}
	full := path.Join(dir, name)
	if x.seen[full] {
		return errs.New(errs.UnsafeEntry, "tar entry %q appears twice", hdr.Name)
	}
	x.seen[full] = true
	if err := x.ensureDir(path.Dir(full)); err != nil {
		return err
	}
	x.note(full)
	mode := fs.FileMode(hdr.Mode) & 0o777
	switch hdr.Typeflag {
	case tarTypeDir:
		if err := x.ensureDir(full); err != nil {
			return errs.Wrap(errs.UnsafeEntry, err, "tar folder %q conflicts", hdr.Name)
		}
		x.dirMode = append(x.dirMode, dirMode{full, x.perm(mode, true)})
		return nil
	case tarTypeReg:
		// The same bound as src/payload/tar-extract.ts: the entry must end within the decoded-size cap.
		if hdr.Size < 0 || hdr.Size > x.max-x.consumed() {
			return errs.New(errs.PayloadTooLarge, "tar entry %q claims %d bytes, more than the slot's limit of %d", hdr.Name, hdr.Size, x.max)
		}
		return x.writeFile(full, r, hdr.Size, mode)
	case tarTypeSymlink:
		if !symlinkInside(full, hdr.Linkname) {
			return errs.New(errs.UnsafePath, "tar symlink %q -> %q points outside the workenv", hdr.Name, hdr.Linkname)
		}
		err := x.create(full, func(dir *os.Root, name string) error { return dir.Symlink(hdr.Linkname, name) })
		if _, ok := errs.As(err); ok {
			return err
		}
		if err != nil {
			return errs.Wrap(errs.IOError, err, "failed to create symlink %s", full)
		}
		x.links = append(x.links, full)
		return nil
	case tarTypeLink:
		return errs.New(errs.UnsafeEntry, "tar entry %q is a hard link (not allowed)", hdr.Name)
	case tarTypeChar, tarTypeBlock:
		return errs.New(errs.UnsafeEntry, "tar entry %q is a device (not allowed)", hdr.Name)
	case tarTypeFifo:
		return errs.New(errs.UnsafeEntry, "tar entry %q is a FIFO (not allowed)", hdr.Name)
	}
	return errs.New(errs.UnsafeEntry, "tar entry %q has unsupported type %q", hdr.Name, hdr.Typeflag)
}

// isSparse reports a sparse entry: old GNU type 'S' or PAX GNU.sparse.* records (formats 0.0, 0.1, 1.0).
// Sparse entries are refused, as in src/payload/tar-extract.ts: their holes would let a few stored bytes
// write far more than the archive holds.
func isSparse(hdr *tarHeader) bool {
	if hdr.Typeflag == tarTypeSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// tarBlock is the tar block size; an archive ends with at least one zero block of this size.
const tarBlock = 512

// countingReader counts the bytes the tar reader consumes. It reads exactly the blocks it needs (no
// read-ahead), so when Next reports the end, the count tells whether a zero end-of-archive block was read or
// the stream merely stopped after the last entry — which src/payload/tar-extract.ts refuses, and so do we.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
