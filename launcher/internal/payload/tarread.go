package payload

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
)

// A tar reader for extraction, in place of archive/tar (which, with the os/user lookups it links for
// its writer, was ~70 KB of the launcher; docs/launcher.md "Size"). It reads V7, USTAR, PAX, GNU and
// STAR headers and makes archive/tar's decisions, block for block: the same headers, the same data,
// the same errors and io.EOF at the same stream offsets (tarread_test.go compares both, with a fuzz
// test). One difference: a sparse entry (type 'S' or PAX GNU.sparse.* records) is returned as it is,
// without reading its sparse map, because extraction refuses every sparse entry (UNSAFE_ENTRY), where
// archive/tar would first fail on a damaged map.

// Tar entry types the extractor tells apart (POSIX and GNU).
const (
	tarTypeReg      = '0'
	tarTypeRegA     = '\x00'
	tarTypeLink     = '1'
	tarTypeSymlink  = '2'
	tarTypeChar     = '3'
	tarTypeBlock    = '4'
	tarTypeDir      = '5'
	tarTypeFifo     = '6'
	tarTypeXHeader  = 'x'
	tarTypeXGlobal  = 'g'
	tarTypeLongName = 'L'
	tarTypeLongLink = 'K'
	tarTypeSparse   = 'S'
)

// errTarHeader is a header archive/tar refuses (its ErrHeader); errTarFieldTooLong a PAX or GNU
// long-name record over 1 MiB.
var (
	errTarHeader       = errors.New("archive/tar: invalid tar header") // archive/tar's texts
	errTarFieldTooLong = errors.New("archive/tar: header field too long")
)

const maxTarSpecialFile = 1 << 20 // the largest PAX or long-name record data, as archive/tar

// tarHeader is what extraction needs of an entry.
type tarHeader struct {
	Typeflag   byte
	Name       string
	Linkname   string
	Size       int64
	Mode       int64
	PAXRecords map[string]string
}

// tarReader reads a tar stream entry by entry; Read reads the current entry's data.
type tarReader struct {
	r         io.Reader
	remaining int64 // data bytes of the current entry not yet read
	pad       int64 // zero padding after the data
	blk       [tarBlock]byte
	err       error // sticky, as archive/tar
}

func newTarReader(r io.Reader) *tarReader { return &tarReader{r: r} }

// Next skips the rest of the current entry and reads the next header; io.EOF at the end.
func (tr *tarReader) Next() (*tarHeader, error) {
	if tr.err != nil {
		return nil, tr.err
	}
	hdr, err := tr.next()
	tr.err = err
	return hdr, err
}

func (tr *tarReader) next() (*tarHeader, error) {
	var pax map[string]string
	var longName, longLink string
	for {
		if err := tr.skipRest(); err != nil {
			return nil, err
		}
		hdr, err := tr.readHeader()
		if err != nil {
			return nil, err
		}
		if err := tr.startData(hdr); err != nil {
			return nil, err
		}
		switch hdr.Typeflag {
		case tarTypeXHeader, tarTypeXGlobal:
			if pax, err = tr.readPAX(); err != nil {
				return nil, err
			}
			if hdr.Typeflag == tarTypeXGlobal {
				mergePAX(hdr, pax)
				return &tarHeader{Name: hdr.Name, Typeflag: hdr.Typeflag, PAXRecords: hdr.PAXRecords}, nil
			}
		case tarTypeLongName, tarTypeLongLink:
			b, err := tr.readSpecial()
			if err != nil {
				return nil, err
			}
			if hdr.Typeflag == tarTypeLongName {
				longName = cstring(b)
			} else {
				longLink = cstring(b)
			}
		default:
			return tr.finish(hdr, pax, longName, longLink)
		}
	}
}

// finish applies the PAX records and GNU long names read before a file's header.
func (tr *tarReader) finish(hdr *tarHeader, pax map[string]string, longName, longLink string) (*tarHeader, error) {
	if err := mergePAX(hdr, pax); err != nil {
		return nil, err
	}
	if longName != "" {
		hdr.Name = longName
	}
	if longLink != "" {
		hdr.Linkname = longLink
	}
	if hdr.Typeflag == tarTypeRegA {
		hdr.Typeflag = tarTypeReg
		if strings.HasSuffix(hdr.Name, "/") {
			hdr.Typeflag = tarTypeDir // legacy archives mark folders with a trailing slash
		}
	}
	return hdr, tr.startData(hdr) // PAX may have changed the size
}

// skipRest discards what is left of the current entry's data and its padding.
func (tr *tarReader) skipRest() error {
	n, err := io.CopyN(io.Discard, tr.r, tr.remaining)
	if err == io.EOF && n < tr.remaining {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	tr.remaining = 0
	if _, err := tryReadFull(tr.r, tr.blk[:tr.pad]); err != nil {
		return err
	}
	tr.pad = 0
	return nil
}

// startData sets up the data of the entry: none for links, devices, folders and FIFOs.
func (tr *tarReader) startData(hdr *tarHeader) error {
	n := hdr.Size
	switch hdr.Typeflag {
	case tarTypeLink, tarTypeSymlink, tarTypeChar, tarTypeBlock, tarTypeDir, tarTypeFifo:
		n = 0
	}
	if n < 0 {
		return errTarHeader
	}
	tr.remaining, tr.pad = n, -n&(tarBlock-1)
	return nil
}

// Read reads the current entry's data; io.EOF at its end, io.ErrUnexpectedEOF when the stream ends first.
func (tr *tarReader) Read(b []byte) (int, error) {
	if tr.err != nil {
		return 0, tr.err
	}
	if int64(len(b)) > tr.remaining {
		b = b[:tr.remaining]
	}
	var n int
	var err error
	if len(b) > 0 {
		n, err = tr.r.Read(b)
		tr.remaining -= int64(n)
	}
	switch {
	case err == io.EOF && tr.remaining > 0:
		err = io.ErrUnexpectedEOF
	case err == nil && tr.remaining == 0:
		return n, io.EOF
	}
	if err != nil && err != io.EOF {
		tr.err = err
	}
	return n, err
}

// readSpecial reads the data of a PAX or long-name entry (at most 1 MiB).
func (tr *tarReader) readSpecial() ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(tr, maxTarSpecialFile+1))
	if len(b) > maxTarSpecialFile {
		return nil, errTarFieldTooLong
	}
	return b, err
}

// tryReadFull reads len(b) bytes; io.EOF only when the stream ends before b is full.
func tryReadFull(r io.Reader, b []byte) (n int, err error) {
	for len(b) > n && err == nil {
		var nn int
		nn, err = r.Read(b[n:])
		n += nn
	}
	if len(b) == n && err == io.EOF {
		err = nil
	}
	return n, err
}

// cstring is b up to its first NUL.
func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// The PAX records the extractor reads into the header; every numeric one must parse, as in archive/tar.
func mergePAX(hdr *tarHeader, pax map[string]string) error {
	for k, v := range pax {
		if v == "" {
			continue // keep the header's own value
		}
		var err error
		switch k {
		case "path":
			hdr.Name = v
		case "linkpath":
			hdr.Linkname = v
		case "uid", "gid":
			_, err = strconv.ParseInt(v, 10, 64)
		case "atime", "mtime", "ctime":
			err = checkPAXTime(v)
		case "size":
			hdr.Size, err = strconv.ParseInt(v, 10, 64)
		}
		if err != nil {
			return errTarHeader
		}
	}
	hdr.PAXRecords = pax
	return nil
}

// checkPAXTime checks a PAX time: decimal seconds, optionally "." and decimal digits.
func checkPAXTime(s string) error {
	secs, frac, _ := strings.Cut(s, ".")
	if _, err := strconv.ParseInt(secs, 10, 64); err != nil {
		return errTarHeader
	}
	for i := 0; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return errTarHeader
		}
	}
	return nil
}
