// Package payload reverses a slot's operation chain (gzip, bzip2, xz, zstd, tar) and places the
// result inside a staging folder, refusing anything that could land outside it.
package payload

import (
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// Decompress returns a reader of the chain's decoded bytes (every op but TAR, reversed) and
// whether the result is a tar stream. The closer releases decoder resources.
func Decompress(r io.Reader, chain format.Chain) (io.Reader, func(), error) {
	tar := false
	for i, op := range chain {
		if op == format.OpTar {
			if i != 0 || tar {
				return nil, nil, errs.New(errs.UnsupportedOperation, "chain %s: tar must be the first operation", chain)
			}
			tar = true
		}
	}
	closers := []func(){}
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		var err error
		switch chain[i] {
		case format.OpTar:
			continue
		case format.OpGzip:
			r, err = gzip.NewReader(r)
		case format.OpBzip2:
			r = bzip2.NewReader(r)
		case format.OpXz:
			r, err = xz.NewReader(r)
		case format.OpZstd:
			var d *zstd.Decoder
			d, err = zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<31))
			if err == nil {
				closers = append(closers, d.Close)
				r = d
			}
		case format.OpAES256GCMStream:
			err = errs.New(errs.SlotKeyMissing, "the chain %s is encrypted: decrypt it first (Place, with the slot key)", chain)
		default:
			err = errs.New(errs.UnsupportedOperation, "operation 0x%02x is not supported", uint8(chain[i]))
		}
		if err != nil {
			closeAll()
			return nil, nil, corrupt(err, chain[i].Name())
		}
	}
	return r, closeAll, nil
}

// corrupt turns a decoder error into PAYLOAD_CORRUPT unless it already carries a code.
func corrupt(err error, what string) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errs.Wrap(errs.PayloadCorrupt, err, "truncated %s stream", what)
	}
	return errs.Wrap(errs.PayloadCorrupt, err, "corrupt %s stream", what)
}

// limitReader fails with PAYLOAD_TOO_LARGE once more than max bytes were decoded. It never passes on a
// byte beyond max: it reads at most one byte past the cap, only to see that there is one.
type limitReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.n > l.max {
		return 0, l.tooLarge()
	}
	if left := l.max - l.n + 1; int64(len(b)) > left {
		b = b[:left]
	}
	n, err := l.r.Read(b)
	l.n += int64(n)
	if l.n > l.max {
		return n - int(l.n-l.max), l.tooLarge()
	}
	return n, err
}

func (l *limitReader) tooLarge() error {
	return errs.New(errs.PayloadTooLarge, "slot decodes to more than %d bytes", l.max)
}

// MaxDecoded is the decoded-size cap for a slot of storedSize bytes: 64× plus 1 GiB.
func MaxDecoded(storedSize uint64) int64 {
	const gib = 1 << 30
	if storedSize > (1<<62)/64 {
		return 1 << 62
	}
	return int64(storedSize)*64 + gib
}
