package format

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
)

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// vectorPackages returns the raw package bytes of the shared vectors (testdata/vectors/*.vec).
func vectorPackages(tb testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "vectors", "*.vec"))
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
			out = append(out, b[i+2:])
		}
	}
	return out
}

// checkCoded fails unless err is nil or a coded launcher error (never a panic or a bare error).
func checkCoded(t *testing.T, err error) {
	if err != nil {
		if _, ok := errs.As(err); !ok {
			t.Fatalf("uncoded error: %v", err)
		}
	}
}

func FuzzIndex(f *testing.F) {
	f.Add(make([]byte, TrailerSize))
	for _, v := range vectorPackages(f) {
		if len(v) >= TrailerSize {
			f.Add(v[len(v)-TrailerSize:])
		}
	}
	f.Fuzz(func(t *testing.T, tail []byte) {
		n := uint64(len(tail)) + 1000
		block, err := SplitTrailer(tail, n)
		checkCoded(t, err)
		if err != nil {
			return
		}
		ix, err := DecodeIndex(block, n)
		checkCoded(t, err)
		if err == nil {
			_, err = ix.CheckLayout(n)
			checkCoded(t, err)
		}
	})
}

func FuzzMetadata(f *testing.F) {
	f.Add([]byte(`{"format":"PSPF/2025","package":{"name":"a","version":"1"},"slots":[],"execution":{"primary_slot":0,"command":"x"}}`))
	for _, v := range vectorPackages(f) {
		if len(v) < TrailerSize {
			continue
		}
		ix := decodeFields(v[len(v)-TrailerSize+4 : len(v)-4])
		if end := ix.MetadataOffset + ix.MetadataSize; ix.MetadataSize > 0 && end <= uint64(len(v)) && end > ix.MetadataOffset {
			if raw, err := DecompressMetadata(v[ix.MetadataOffset:end]); err == nil {
				f.Add(raw)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseMetadata(raw)
		checkCoded(t, err)
		if err == nil && len(m.Slots) > 0 && m.Slots[0].Chain == nil && m.Slots[0].Operations != "" {
			t.Fatal("chain not parsed")
		}
		_, err = DecompressMetadata(raw)
		checkCoded(t, err)
	})
}

func FuzzOperations(f *testing.F) {
	for _, v := range []uint64{0, 0x10, 0x1001, 0x1B01, 0x311001, 0xffffffffffffffff} {
		f.Add(v, "tar|gzip")
	}
	f.Add(uint64(0x1601), "txz")
	f.Fuzz(func(t *testing.T, packed uint64, name string) {
		c, err := UnpackOps(packed)
		checkCoded(t, err)
		if err == nil && PackOps(c) != packed {
			t.Fatalf("round trip 0x%x -> %v", packed, c)
		}
		c2, err := ParseChain(name)
		checkCoded(t, err)
		if err == nil {
			if back, err := ParseChain(c2.String()); err != nil || !back.Equal(c2) {
				t.Fatalf("name round trip %q", name)
			}
		}
	})
}

func FuzzSlotTable(f *testing.F) {
	d := EncodeDescriptor(Descriptor{ID: 0, Offset: 100, Size: 10, Operations: 0x1001})
	f.Add(d, uint64(200))
	for _, v := range vectorPackages(f) {
		if len(v) < TrailerSize {
			continue
		}
		ix := decodeFields(v[len(v)-TrailerSize+4 : len(v)-4])
		if end := ix.SlotTableOffset + ix.SlotTableSize; ix.SlotTableSize < 1<<20 && end <= uint64(len(v)) && end >= ix.SlotTableOffset {
			f.Add(v[ix.SlotTableOffset:end], uint64(len(v)))
		}
	}
	f.Fuzz(func(t *testing.T, table []byte, fileLen uint64) {
		table = table[:len(table)/DescriptorSize*DescriptorSize]
		n := len(table) / DescriptorSize
		meta := &Metadata{Slots: make([]SlotMeta, n)}
		for i := 0; i < n; i++ {
			c, err := UnpackOps(binary.LittleEndian.Uint64(table[i*64+40:]))
			if err == nil {
				meta.Slots[i].Chain = c
			}
		}
		lay := &Layout{FileLen: fileLen, TrailerStart: fileLen, SlotTableEnd: uint64(len(table))}
		slots, err := DecodeSlotTable(table, meta, lay)
		checkCoded(t, err)
		for _, s := range slots {
			if s.Size > 0 && (s.Offset < lay.SlotTableEnd || s.Offset+s.Size > lay.TrailerStart) {
				t.Fatalf("slot out of bounds accepted: %+v", s)
			}
		}
	})
}
