package testpkg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"flavorpack.dev/launcher/internal/format"
)

// SparseTar is a tar stream of n GNU sparse (PAX format 0.1) files of size bytes each, one stored byte
// at the end of each: an extractor that honours sparse maps writes n × size bytes from about 2 KiB per
// entry. Padded with zero blocks to at least minLen bytes (a tar reader stops at the first zero block).
func SparseTar(n int, size int64, minLen int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("sparse-%03d.bin", i)
		pax := paxRecords([][2]string{
			{"GNU.sparse.major", "0"}, {"GNU.sparse.minor", "1"}, {"GNU.sparse.name", name},
			{"GNU.sparse.size", strconv.FormatInt(size, 10)}, {"GNU.sparse.numblocks", "1"},
			{"GNU.sparse.map", fmt.Sprintf("%d,1", size-1)},
		})
		writeEntry(&b, "././@PaxHeader", 'x', pax)
		writeEntry(&b, "GNUSparseFile.0/"+name, '0', []byte("x"))
	}
	b.Write(make([]byte, 1024))
	for b.Len() < minLen {
		b.Write(make([]byte, 512))
	}
	return b.Bytes()
}

func paxRecords(kv [][2]string) []byte {
	var out []byte
	for _, r := range kv {
		body := " " + r[0] + "=" + r[1] + "\n"
		n := len(body) + len(strconv.Itoa(len(body)))
		if len(strconv.Itoa(n))+len(body) != n {
			n = len(body) + len(strconv.Itoa(n))
		}
		out = append(out, strconv.Itoa(n)+body...)
	}
	return out
}

// writeEntry writes a ustar header (mode 0644) and data padded to 512 bytes.
func writeEntry(b *bytes.Buffer, name string, typ byte, data []byte) {
	h := make([]byte, 512)
	copy(h, name)
	copy(h[100:], "0000644\x00")
	copy(h[108:], "0000000\x00")
	copy(h[116:], "0000000\x00")
	copy(h[124:], fmt.Sprintf("%011o\x00", len(data)))
	copy(h[136:], "00000000000\x00")
	copy(h[148:], "        ")
	h[156] = typ
	copy(h[257:], "ustar\x0000")
	sum := 0
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:], fmt.Sprintf("%06o\x00 ", sum))
	b.Write(h)
	b.Write(data)
	if r := len(data) % 512; r != 0 {
		b.Write(make([]byte, 512-r))
	}
}

// ReplaceSlot overwrites the stored bytes of slot i in pkg with data of the same length (a package
// modified in transit: signature, metadata and slot table stay valid, only the slot's hash differs).
func ReplaceSlot(pkg []byte, i int, data []byte) error {
	idx := pkg[IndexOffset(pkg) : IndexOffset(pkg)+format.IndexSize]
	table := binary.LittleEndian.Uint64(idx[40:])
	d := format.DecodeDescriptor(pkg[table+uint64(64*i):])
	if uint64(len(data)) != d.Size {
		return fmt.Errorf("slot %d holds %d bytes, the replacement %d", i, d.Size, len(data))
	}
	copy(pkg[d.Offset:], data)
	return nil
}
