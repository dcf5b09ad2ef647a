package payload

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"flavorpack.dev/launcher/internal/errs"
)

// A first run mostly creates many small files, and each creation waits on the file system. The tar
// stream is sequential, so the extractor decodes and checks every entry in order on one goroutine
// (every path rule, the duplicate and budget checks, folders and links stay there) and hands the
// contents of small regular files to a few writer goroutines, which only create and fill them.
// Errors keep their meaning: the error reported is the one of the earliest entry that failed, the
// one a sequential extraction would report. Measured by BenchmarkPlaceTree (docs/launcher.md).
// writerCount is the number of writer goroutines (a variable for BenchmarkPlaceTree).
var writerCount = 4

const (
	// queuedFileMax is the largest file handed to a writer: its contents are held in memory until
	// written. Bigger files are streamed by the extracting goroutine itself.
	queuedFileMax = 256 << 10
	// queuedBytesMax bounds the file contents waiting for a writer.
	queuedBytesMax = 8 << 20
	// copyBufferSize is the write size for streamed files (io.Copy's default is 32 KiB).
	copyBufferSize = 1 << 20
)

// dirRef is an open folder shared by the extractor and the writers that still have files to create
// in it; the last one to release it closes it. The staging root itself is never closed here.
type dirRef struct {
	root *os.Root
	file *os.File // the same folder for writeNewFile (rawFiles), opened by openRaw
	fd   int
	refs atomic.Int32
	keep bool
}

// openRaw opens the folder for writeNewFile, once (on the extracting goroutine).
func (d *dirRef) openRaw() error {
	if !rawFiles || d.file != nil {
		return nil
	}
	f, err := d.root.Open(".")
	if err != nil {
		return err
	}
	d.file, d.fd = f, int(f.Fd())
	return nil
}

func (d *dirRef) acquire() *dirRef { d.refs.Add(1); return d }

func (d *dirRef) release() {
	if d.refs.Add(-1) == 0 {
		if d.file != nil {
			d.file.Close()
		}
		if !d.keep {
			d.root.Close()
		}
	}
}

// writeJob is one small file: its whole contents, and the entry number for ordering errors.
type writeJob struct {
	seq  int
	dir  *dirRef
	path string // slash path relative to the staging root
	data []byte
	perm fs.FileMode
}

// writers is the pool of writer goroutines of one slot.
type writers struct {
	jobs chan writeJob
	wg   sync.WaitGroup

	mu       sync.Mutex
	room     *sync.Cond // signalled when queued bytes are written
	queued   int64
	firstSeq int
	firstErr error
	umask    int // read once per slot: files whose mode it leaves alone need no fchmod
	failed   atomic.Bool
}

func startWriters(x *extractor) *writers {
	w := &writers{jobs: make(chan writeJob, 64), firstSeq: -1, umask: -1}
	if rawFiles {
		w.umask = readUmask()
	}
	w.room = sync.NewCond(&w.mu)
	for range writerCount {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for j := range w.jobs {
				if !w.failed.Load() {
					if err := x.writeBytes(j.dir, j.path, j.data, j.perm); err != nil {
						w.fail(j.seq, err)
					}
				}
				j.dir.release()
				w.done(int64(len(j.data)))
			}
		}()
	}
	return w
}

// queue hands a file to the writers, waiting while too many bytes are queued already.
func (w *writers) queue(j writeJob) {
	n := int64(len(j.data))
	w.mu.Lock()
	for w.queued > 0 && w.queued+n > queuedBytesMax {
		w.room.Wait()
	}
	w.queued += n
	w.mu.Unlock()
	w.jobs <- j
}

func (w *writers) done(n int64) {
	w.mu.Lock()
	w.queued -= n
	w.mu.Unlock()
	w.room.Broadcast()
}

func (w *writers) fail(seq int, err error) {
	w.mu.Lock()
	if w.firstErr == nil || seq < w.firstSeq {
		w.firstSeq, w.firstErr = seq, err
	}
	w.mu.Unlock()
	w.failed.Store(true)
}

// finish waits for every queued file and returns the error of the earliest entry that failed, among
// the writers' errors and err, the extractor's own error at entry seq (nil: none).
func (w *writers) finish(seq int, err error) error {
	close(w.jobs)
	w.wg.Wait()
	if w.firstErr != nil && (err == nil || w.firstSeq < seq) {
		return w.firstErr
	}
	return err
}

// writeBytes creates p in dir (its folder, already checked) with data as contents. Safe for
// concurrent use: os.Root is, and the extractor never hands out two entries with the same path.
func (x *extractor) writeBytes(dir *dirRef, p string, data []byte, perm fs.FileMode) error {
	if dir.file == nil {
		f, err := x.createFile(dir.root, p)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return x.closeFile(f, p, perm, err)
	}
	err := x.createIn(dir.root, p, func(_ *os.Root, name string) error { return writeNewFile(dir.fd, name, data, perm, x.pool.umask) })
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Op == "open" {
		return errs.Wrap(errs.IOError, err, "failed to create %s", p)
	}
	return errs.Wrap(errs.IOError, err, "failed to write %s", p)
}

// readContents reads a file entry of size bytes into memory, for a writer.
func readContents(p string, r io.Reader, size int64) ([]byte, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fileError(p, err)
	}
	return data, nil
}

// writerOnly hides os.File's ReadFrom, so io.CopyBuffer uses the given (bigger) buffer.
type writerOnly struct{ io.Writer }
