package payload

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tarTrace is what a reader makes of a stream: per entry its header and data, then how it ended
// and how many bytes it had consumed then (the extractor's end-of-archive check depends on it).
func tarTrace(next func() (*tarHeader, error), read io.Reader, consumed func() int64) []string {
	var out []string
	for {
		h, err := next()
		if err != nil {
			end := "error"
			if err == io.EOF {
				end = "EOF"
			}
			return append(out, fmt.Sprintf("%s at %d", end, consumed()))
		}
		if isSparse(h) {
			return append(out, "sparse") // the extractor stops here
		}
		data, derr := io.ReadAll(read)
		out = append(out, fmt.Sprintf("%q %q %q size=%d mode=%o pax=%v data=%q/%v at %d",
			h.Typeflag, h.Name, h.Linkname, h.Size, h.Mode, h.PAXRecords, data, derr != nil, consumed()))
		if derr != nil {
			return out
		}
	}
}

func ourTrace(b []byte) []string {
	cr := &countingReader{r: bytes.NewReader(b)}
	tr := newTarReader(cr)
	return tarTrace(tr.Next, tr, func() int64 { return cr.n })
}

func stdTrace(b []byte) []string {
	cr := &countingReader{r: bytes.NewReader(b)}
	tr := tar.NewReader(cr)
	next := func() (*tarHeader, error) {
		h, err := tr.Next()
		if err != nil {
			if h != nil && h.Typeflag == tar.TypeGNUSparse {
				return &tarHeader{Typeflag: h.Typeflag}, nil
			}
			return nil, err
		}
		return &tarHeader{Typeflag: h.Typeflag, Name: h.Name, Linkname: h.Linkname, Size: h.Size, Mode: h.Mode, PAXRecords: nilIfEmpty(h.PAXRecords)}, nil
	}
	return tarTrace(next, tr, func() int64 { return cr.n })
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// sameAsArchiveTar fails when the two readers disagree on b. The one allowed difference: where
// archive/tar fails on a sparse entry's map, ours reports the sparse entry (which extraction refuses).
func sameAsArchiveTar(t *testing.T, b []byte) {
	t.Helper()
	ours, std := ourTrace(b), stdTrace(b)
	if len(ours) == len(std) && ours[len(ours)-1] == "sparse" && strings.HasPrefix(std[len(std)-1], "error") {
		ours, std = ours[:len(ours)-1], std[:len(std)-1]
	}
	for i := range max(len(ours), len(std)) {
		o, s := at(ours, i), at(std, i)
		if o != s {
			t.Fatalf("entry %d of %q:\n ours        %s\n archive/tar %s", i, truncate(b), o, s)
		}
	}
}

func at(l []string, i int) string {
	if i < len(l) {
		return l[i]
	}
	return "(none)"
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// tarSamples are archives in every format archive/tar writes, plus the shared vectors' archives.
func tarSamples(t testing.TB) [][]byte {
	var out [][]byte
	for _, format := range []tar.Format{tar.FormatUSTAR, tar.FormatPAX, tar.FormatGNU} {
		var buf bytes.Buffer
		w := tar.NewWriter(&buf)
		long := strings.Repeat("d/", 60) + "file"
		entries := []*tar.Header{
			{Typeflag: tar.TypeDir, Name: "dir/", Mode: 0o755},
			{Typeflag: tar.TypeReg, Name: "dir/a.txt", Mode: 0o644, Size: 5},
			{Typeflag: tar.TypeSymlink, Name: "dir/link", Linkname: "a.txt", Mode: 0o777},
			{Typeflag: tar.TypeReg, Name: "empty", Mode: 0o600},
			{Typeflag: tar.TypeReg, Name: "big", Mode: 0o644, Size: 1000},
			{Typeflag: tar.TypeReg, Name: strings.Repeat("pp/", 40) + "f", Mode: 0o644, Size: 1}, // USTAR: a prefix
		}
		if format != tar.FormatUSTAR { // GNU and PAX: long names, times past USTAR's range (base-256 in GNU)
			entries = append(entries, &tar.Header{Typeflag: tar.TypeReg, Name: "late", Mode: 0o644, Size: 2, ModTime: time.Unix(1<<34, 0)},
				&tar.Header{Typeflag: tar.TypeReg, Name: long, Mode: 0o644, Size: 3},
				&tar.Header{Typeflag: tar.TypeSymlink, Name: "l2", Linkname: strings.Repeat("x/", 70), Mode: 0o777})
		}
		for _, h := range entries {
			h.Format = format
			if format == tar.FormatPAX {
				h.PAXRecords = map[string]string{"comment": "hi", "mtime": "1700000000.5"}
			}
			if err := w.WriteHeader(h); err != nil {
				t.Fatal(format, h.Name, err)
			}
			w.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
		w.Close()
		out = append(out, buf.Bytes())
	}
	vecs, _ := filepath.Glob(filepath.Join("../../../testdata/vectors/archives", "*.vec"))
	for _, v := range vecs { // a header, a blank line, the archive (vectors_test.go)
		b, err := os.ReadFile(v)
		if i := bytes.Index(b, []byte("\n\n")); err == nil && i >= 0 {
			out = append(out, b[i+2:])
		}
	}
	return out
}

// fixChecksum rewrites the checksum of the header block b (six octal digits, NUL, space).
func fixChecksum(b []byte) {
	copy(b[148:156], "        ")
	var sum int
	for _, c := range b[:tarBlock] {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

// headerBlocks are the offsets of the blocks of b that archive/tar takes for headers (their checksum
// is right).
func headerBlocks(b []byte) []int {
	var out []int
	for at := 0; at+tarBlock <= len(b); at += tarBlock {
		if _, ok := tarBlockFormat(b[at : at+tarBlock]); ok && !bytes.Equal(b[at:at+tarBlock], tarZeroBlock[:]) {
			out = append(out, at)
		}
	}
	return out
}

// starSample is a USTAR archive turned into star's layout (trailer "tar\0", times after a shorter prefix).
func starSample(t testing.TB, ustar []byte) []byte {
	b := append([]byte(nil), ustar...)
	for _, at := range headerBlocks(b) {
		copy(b[at+476:at+500], "00000000017\x0000000000017\x00")
		copy(b[at+508:at+512], tarTrailerSTAR)
		fixChecksum(b[at:])
	}
	if len(headerBlocks(b)) == 0 {
		t.Fatal("no headers in the USTAR sample")
	}
	return b
}

// fieldEdges are the first, a middle and the last byte of every header field (V7, USTAR, GNU, star).
var fieldEdges = []int{0, 50, 99, 100, 104, 107, 108, 115, 116, 123, 124, 130, 135, 136, 147, 156, 157, 200, 256, 257,
	262, 263, 264, 265, 296, 297, 328, 329, 336, 337, 344, 345, 350, 356, 357, 368, 369, 400, 475, 476, 487, 488, 499, 500, 508, 511}

var fieldValues = [][]byte{{0}, []byte(" "), []byte("7"), []byte("8"), {0x80}, {0xff}, {0xc0}, []byte("x"), []byte("/"),
	[]byte("0"), []byte("5"), []byte("g"), []byte("L"), []byte("S"), []byte("\n"), []byte("ustar\x0000"), []byte("ustar  \x00")}

func TestTarReaderMatchesArchiveTar(t *testing.T) {
	samples := tarSamples(t)
	samples = append(samples, starSample(t, samples[0]))
	if len(samples) < 10 {
		t.Fatalf("only %d samples", len(samples))
	}
	for _, b := range samples {
		sameAsArchiveTar(t, b)
		for n := 0; n <= len(b); n += 97 { // truncations
			sameAsArchiveTar(t, b[:n])
		}
		headers := headerBlocks(b)
		for _, at := range headers[:min(len(headers), 4)] { // header fields changed, with a right checksum
			for _, i := range fieldEdges {
				for _, v := range fieldValues {
					c := append([]byte(nil), b...)
					copy(c[at+i:at+tarBlock], v)
					fixChecksum(c[at:])
					sameAsArchiveTar(t, c)
				}
			}
		}
	}
}

// FuzzTarReader: any stream gives what archive/tar gives (and never a panic or a hang), also with the
// checksum of every header block made right.
func FuzzTarReader(f *testing.F) {
	for _, b := range tarSamples(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameAsArchiveTar(t, b)
		c := append([]byte(nil), b...)
		for at := 0; at+tarBlock <= len(c); at += tarBlock {
			if !bytes.Equal(c[at:at+tarBlock], tarZeroBlock[:]) {
				fixChecksum(c[at:])
			}
		}
		sameAsArchiveTar(t, c)
	})
}

// paxArchive is a PAX header holding records (raw text), then a file "f" of 3 bytes, then the end.
func paxArchive(t *testing.T, records string) []byte {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	if err := w.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "f", Mode: 0o644, Size: 3, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abc"))
	w.Close()
	x := make([]byte, tarBlock)
	copy(x, buf.Bytes()[:tarBlock])
	x[156] = tarTypeXHeader
	copy(x[124:136], fmt.Sprintf("%011o\x00", len(records)))
	fixChecksum(x)
	data := make([]byte, (len(records)+tarBlock-1)/tarBlock*tarBlock)
	copy(data, records)
	return append(append(x, data...), buf.Bytes()...)
}

// record is one PAX record with its right length prefix.
func record(kv string) string {
	n := len(kv) + 2
	for len(fmt.Sprint(n))+len(kv)+2 != n {
		n = len(fmt.Sprint(n)) + len(kv) + 2
	}
	return fmt.Sprintf("%d %s\n", n, kv)
}

func TestTarReaderPAXRecordsMatchArchiveTar(t *testing.T) {
	kvs := []string{"uid=12", "uid=x", "gid=-1", "gid=1e3", "mtime=1.5", "mtime=1.x", "mtime=-1.25", "atime=", "ctime=.5",
		"size=3", "size=2", "size=-1", "size=x", "size=99999999999999999999", "path=a\x00b", "path=dir/name", "linkpath=z",
		"comment=a\x00b", "a\x00b=c", "=v", "noequals", "GNU.sparse.major=1", "GNU.sparse.map=1,2", "uname=u\x00"}
	ok := 0
	for _, kv := range kvs {
		b := paxArchive(t, record(kv))
		sameAsArchiveTar(t, b)
		if strings.HasPrefix(at(ourTrace(b), 0), "'0' ") {
			ok++
		}
	}
	if ok < 10 {
		t.Fatalf("only %d of the records gave an entry: the archives are wrong", ok)
	}
	raws := []string{"", "3 a=\n", "6 a=b\n", "7 a=b\n", "6 a=bc", "x a=b\n", "-6 a=b\n", "06 a=b\n", "6 a=b\n6 c=d\n",
		record("GNU.sparse.offset=0") + record("GNU.sparse.numbytes=1"), record("GNU.sparse.numbytes=1"),
		record("GNU.sparse.offset=0") + record("GNU.sparse.offset=1"), record("GNU.sparse.offset=0,1") + record("GNU.sparse.numbytes=1"),
		strings.Repeat(record("comment=0123456789"), 40000)}
	for _, raw := range raws {
		sameAsArchiveTar(t, paxArchive(t, raw))
	}
}
