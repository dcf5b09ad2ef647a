package launch

import (
	"bytes"
	"encoding/binary"
	"debug/elf"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
)

// realELFFiles are ELF files of this machine the reader must read as debug/elf does.
func realELFFiles(t *testing.T) []string {
	t.Helper()
	files := []string{hostLibcPath(t)}
	for _, name := range []string{"ls", "sh", "getconf"} {
		if p, err := exec.LookPath(name); err == nil {
			files = append(files, p)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found only %v", files)
	}
	return append(files, self)
}

func TestELFReaderMatchesDebugELF(t *testing.T) {
	for _, path := range realELFFiles(t) {
		want, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := openELF(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if got.machine != uint16(want.Machine) || got.bo != want.ByteOrder || len(got.sections) != len(want.Sections) {
			t.Fatalf("%s: machine %d/%d, %d/%d sections", path, got.machine, want.Machine, len(got.sections), len(want.Sections))
		}
		for i, ws := range want.Sections {
			gs := got.sections[i]
			if gs.name != ws.Name || gs.typ != uint32(ws.Type) || gs.offset != ws.Offset || gs.size != ws.Size || gs.link != ws.Link || gs.info != ws.Info {
				t.Fatalf("%s: section %d = %+v, debug/elf %+v", path, i, gs, ws.SectionHeader)
			}
			if ws.Type == elf.SHT_NOBITS || ws.Flags&elf.SHF_COMPRESSED != 0 || ws.Size > 4<<20 {
				continue
			}
			wd, werr := ws.Data()
			gd, ok := got.data(gs, 4<<20)
			if (werr == nil) != ok || !bytes.Equal(wd, gd) {
				t.Fatalf("%s: section %s data differs (%v, %v)", path, ws.Name, werr, ok)
			}
		}
		want.Close()
		got.Close()
	}
}

// TestELFReaderDamagedFiles: every truncation and random corruption of a real ELF file is read or
// refused, never a panic, a hang or a read outside the file.
func TestELFReaderDamagedFiles(t *testing.T) {
	libc, err := os.ReadFile(hostLibcPath(t))
	if err != nil {
		t.Fatal(err)
	}
	try := func(b []byte) {
		f, err := readELF(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, s := range f.sections {
			f.data(s, maxLibcSize)
		}
		highestDefined(f)
		bannerVersion(f, "")
	}
	for _, n := range []int{0, 3, 4, 15, 16, 17, 51, 52, 63, 64, 65, 1000, len(libc) / 2, len(libc) - 1} {
		try(libc[:n])
	}
	for _, b := range [][]byte{[]byte("\x7fELF"), append([]byte("\x7fELF\x03\x01\x01"), make([]byte, 60)...),
		append([]byte("\x7fELF\x02\x03\x01"), make([]byte, 60)...), append([]byte("\x7fELF\x01\x02\x01"), make([]byte, 60)...)} {
		try(b)
	}
	shoff := int(binary.LittleEndian.Uint64(libc[40:])) // the host's libc: ELF64, little-endian
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, len(libc))
	for range 2000 {
		copy(b, libc)
		for range 1 + r.IntN(8) { // damage the header, the section header table or anywhere
			at := []int{r.IntN(64), shoff + r.IntN(len(b)-shoff), r.IntN(len(b))}[r.IntN(3)]
			b[at] = byte(r.Uint32())
		}
		try(b)
	}
}
