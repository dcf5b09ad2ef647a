package payload

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// The tar header block (512 bytes) and the formats that lay it out differently; offsets from POSIX
// (V7, USTAR), GNU tar and star.
const (
	tarMagicUSTAR   = "ustar\x00"
	tarVersionUSTAR = "00"
	tarMagicGNU     = "ustar "
	tarVersionGNU   = " \x00"
	tarTrailerSTAR  = "tar\x00"
)

type tarFormat int

const (
	tarFormatV7 tarFormat = iota
	tarFormatUSTAR
	tarFormatGNU
	tarFormatSTAR
)

var tarZeroBlock [tarBlock]byte

// readHeader reads one header block (io.EOF: a clean end, after zero, one or two zero blocks).
func (tr *tarReader) readHeader() (*tarHeader, error) {
	blk := tr.blk[:]
	if _, err := io.ReadFull(tr.r, blk); err != nil {
		return nil, err // io.EOF when no byte was left
	}
	if bytes.Equal(blk, tarZeroBlock[:]) {
		if _, err := io.ReadFull(tr.r, blk); err != nil {
			return nil, err // io.EOF after one zero block
		}
		if bytes.Equal(blk, tarZeroBlock[:]) {
			return nil, io.EOF
		}
		return nil, errTarHeader // a zero block, then a header
	}
	format, ok := tarBlockFormat(blk)
	if !ok {
		return nil, errTarHeader
	}
	var p tarParser
	hdr := &tarHeader{Typeflag: blk[156], Name: cstring(blk[0:100]), Linkname: cstring(blk[157:257]),
		Size: p.numeric(blk[124:136]), Mode: p.numeric(blk[100:108])}
	for _, field := range [][]byte{blk[108:116], blk[116:124], blk[136:148]} { // uid, gid, mtime
		p.numeric(field)
	}
	if format != tarFormatV7 {
		p.numeric(blk[329:337]) // devmajor
		p.numeric(blk[337:345]) // devminor
		if prefix := tarPrefix(blk, format, &p); prefix != "" {
			hdr.Name = prefix + "/" + hdr.Name
		}
	}
	return hdr, p.err
}

// tarBlockFormat checks the header checksum (unsigned or signed sum, as archive/tar) and tells the
// format by its magic.
func tarBlockFormat(blk []byte) (tarFormat, bool) {
	var p tarParser
	sum := p.octal(blk[148:156])
	var unsigned, signed int64
	for i, c := range blk {
		if i >= 148 && i < 156 {
			c = ' ' // the checksum field counts as spaces
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	if p.err != nil || (sum != unsigned && sum != signed) {
		return 0, false
	}
	magic, version, trailer := string(blk[257:263]), string(blk[263:265]), string(blk[508:512])
	switch {
	case magic == tarMagicUSTAR && trailer == tarTrailerSTAR:
		return tarFormatSTAR, true
	case magic == tarMagicUSTAR:
		return tarFormatUSTAR, true
	case magic == tarMagicGNU && version == tarVersionGNU:
		return tarFormatGNU, true
	}
	return tarFormatV7, true
}

// tarPrefix is the name prefix of a USTAR or STAR header. GNU headers have access and change times
// there instead; when those do not parse and the field is ASCII, it is a prefix written by Go before
// 1.8 (archive/tar reads it so too).
func tarPrefix(blk []byte, format tarFormat, p *tarParser) string {
	switch format {
	case tarFormatUSTAR:
		return cstring(blk[345:500])
	case tarFormatSTAR:
		p.numeric(blk[476:488]) // atime
		p.numeric(blk[488:500]) // ctime
		return cstring(blk[345:476])
	}
	var times tarParser
	if blk[345] != 0 {
		times.numeric(blk[345:357])
	}
	if blk[357] != 0 {
		times.numeric(blk[357:369])
	}
	if times.err != nil {
		if s := cstring(blk[345:500]); isASCII(s) {
			return s
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == 0 {
			return false
		}
	}
	return true
}

// tarParser reads numeric fields and keeps the first error.
type tarParser struct{ err error }

// numeric reads an octal field or a base-256 one (first byte's high bit set; GNU and star extension).
func (p *tarParser) numeric(b []byte) int64 {
	if len(b) == 0 || b[0]&0x80 == 0 {
		return p.octal(b)
	}
	var inv byte // 0xff when negative
	if b[0]&0x40 != 0 {
		inv = 0xff
	}
	var x uint64
	for i, c := range b {
		c ^= inv
		if i == 0 {
			c &= 0x7f // the marker bit
		}
		if x>>56 > 0 {
			p.err = errTarHeader // overflow
			return 0
		}
		x = x<<8 | uint64(c)
	}
	if x>>63 > 0 {
		p.err = errTarHeader
		return 0
	}
	if inv == 0xff {
		return ^int64(x)
	}
	return int64(x)
}

// octal reads an octal field padded with spaces or NULs.
func (p *tarParser) octal(b []byte) int64 {
	b = bytes.Trim(b, " \x00")
	if len(b) == 0 {
		return 0
	}
	x, err := strconv.ParseUint(cstring(b), 8, 64)
	if err != nil {
		p.err = errTarHeader
	}
	return int64(x)
}

// readPAX reads the records of a PAX header: "<length> <key>=<value>\n" each. GNU sparse 0.0 records
// (GNU.sparse.offset and .numbytes, repeated) must alternate; they are joined into GNU.sparse.map.
func (tr *tarReader) readPAX() (map[string]string, error) {
	b, err := tr.readSpecial()
	if err != nil {
		return nil, err
	}
	rest := string(b)
	var sparse []string
	records := map[string]string{}
	for len(rest) > 0 {
		key, value, residual, ok := paxRecord(rest)
		if !ok {
			return nil, errTarHeader
		}
		rest = residual
		switch key {
		case "GNU.sparse.offset", "GNU.sparse.numbytes":
			if (len(sparse)%2 == 0) != (key == "GNU.sparse.offset") || strings.Contains(value, ",") {
				return nil, errTarHeader
			}
			sparse = append(sparse, value)
		default:
			records[key] = value
		}
	}
	if len(sparse) > 0 {
		records["GNU.sparse.map"] = strings.Join(sparse, ",")
	}
	return records, nil
}

// paxRecord splits off the first record of s.
func paxRecord(s string) (key, value, rest string, ok bool) {
	lenText, after, found := strings.Cut(s, " ")
	if !found {
		return "", "", s, false
	}
	n, err := strconv.ParseInt(lenText, 10, 0)
	if err != nil || n < 5 || n > int64(len(s)) {
		return "", "", s, false
	}
	n -= int64(len(lenText) + 1) // from an offset in s to one in after
	if n <= 0 || after[n-1] != '\n' {
		return "", "", s, false
	}
	key, value, found = strings.Cut(after[:n-1], "=")
	if !found || key == "" || strings.Contains(key, "=") {
		return "", "", s, false
	}
	switch key {
	case "path", "linkpath", "uname", "gname":
		found = !strings.Contains(value, "\x00")
	default:
		found = !strings.Contains(key, "\x00")
	}
	return key, value, after[n:], found
}
