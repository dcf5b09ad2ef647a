package launch

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// A minimal ELF reader: the header (class, byte order, machine) and the section headers, which is all
// HostLibc reads of a libc.so.6 (debug/elf, with the DWARF and decompression code it pulls in, was
// ~190 KB of the launcher; docs/launcher.md "Size"). Every offset and size is checked against the
// file before it is read; compressed (SHF_COMPRESSED) and SHT_NOBITS sections have no readable data.

const (
	shtProgbits  = 1
	shtNobits    = 8
	shtGNUVerdef = 0x6ffffffd
	shfCompress  = 0x800
	shnXindex    = 0xffff
)

// elfMachine is the ELF machine number (e_machine) of a GOARCH.
func elfMachine(goarch string) (uint16, bool) {
	switch goarch {
	case "amd64":
		return 62, true
	case "arm64":
		return 183, true
	case "386":
		return 3, true
	case "arm":
		return 40, true
	case "riscv64":
		return 243, true
	case "ppc64le":
		return 21, true
	case "s390x":
		return 22, true
	}
	return 0, false
}

type elfSection struct {
	name         string
	typ          uint32
	flags        uint64
	offset, size uint64
	link, info   uint32
}

type elfFile struct {
	r        io.ReaderAt
	closer   io.Closer
	fileSize uint64
	bo       binary.ByteOrder
	machine  uint16
	sections []elfSection
}

var errELF = errors.New("not a readable ELF file")

// openELF reads the ELF header and section headers of the file at path.
func openELF(path string) (*elfFile, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := file.Stat()
	if err == nil {
		var f *elfFile
		if f, err = readELF(file, fi.Size()); err == nil {
			f.closer = file
			return f, nil
		}
	}
	file.Close()
	return nil, err
}

func (f *elfFile) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// elfLayout is where the fields sit in one ELF class (32 or 64 bits).
type elfLayout struct {
	headerSize, shoff, shentsize, shnum, shstrndx int
	secSize                                       int
	word                                          func(b []byte, bo binary.ByteOrder) uint64
}

var elf32 = elfLayout{headerSize: 52, shoff: 32, shentsize: 46, shnum: 48, shstrndx: 50, secSize: 40,
	word: func(b []byte, bo binary.ByteOrder) uint64 { return uint64(bo.Uint32(b)) }}
var elf64 = elfLayout{headerSize: 64, shoff: 40, shentsize: 58, shnum: 60, shstrndx: 62, secSize: 64,
	word: func(b []byte, bo binary.ByteOrder) uint64 { return bo.Uint64(b) }}

// readELF reads the headers of the ELF file r of size bytes.
func readELF(r io.ReaderAt, size int64) (*elfFile, error) {
	f := &elfFile{r: r, fileSize: uint64(size)}
	var hdr [64]byte
	if _, err := r.ReadAt(hdr[:16], 0); err != nil || string(hdr[:4]) != "\x7fELF" || hdr[6] != 1 {
		return nil, errELF
	}
	var lay *elfLayout
	switch hdr[4] { // EI_CLASS
	case 1:
		lay = &elf32
	case 2:
		lay = &elf64
	default:
		return nil, errELF
	}
	switch hdr[5] { // EI_DATA
	case 1:
		f.bo = binary.LittleEndian
	case 2:
		f.bo = binary.BigEndian
	default:
		return nil, errELF
	}
	if _, err := r.ReadAt(hdr[16:lay.headerSize], 16); err != nil {
		return nil, errELF
	}
	f.machine = f.bo.Uint16(hdr[18:])
	return f, f.readSections(hdr[:], lay)
}

// readSections reads the section header table and the section names (.shstrtab).
func (f *elfFile) readSections(hdr []byte, lay *elfLayout) error {
	shoff := lay.word(hdr[lay.shoff:], f.bo)
	entSize := uint64(f.bo.Uint16(hdr[lay.shentsize:]))
	count := uint64(f.bo.Uint16(hdr[lay.shnum:]))
	strndx := uint32(f.bo.Uint16(hdr[lay.shstrndx:]))
	if shoff == 0 {
		return nil // no section headers
	}
	if entSize < uint64(lay.secSize) || shoff >= f.fileSize {
		return errELF
	}
	first, err := f.section(shoff, lay)
	if err != nil {
		return err
	}
	if count == 0 { // extended numbering: the real count is section 0's size, the name table its link
		count = first.size
	}
	if strndx == shnXindex {
		strndx = first.link
	}
	if count > (f.fileSize-shoff)/entSize {
		return errELF
	}
	f.sections = make([]elfSection, count)
	for i := range f.sections {
		if f.sections[i], err = f.section(shoff+uint64(i)*entSize, lay); err != nil {
			return err
		}
	}
	return f.nameSections(strndx)
}

func (f *elfFile) section(at uint64, lay *elfLayout) (elfSection, error) {
	b := make([]byte, lay.secSize)
	if at > f.fileSize || uint64(lay.secSize) > f.fileSize-at {
		return elfSection{}, errELF
	}
	if _, err := f.r.ReadAt(b, int64(at)); err != nil {
		return elfSection{}, errELF
	}
	w := 4 // the size of a word field: 4 (ELF32) or 8 (ELF64)
	if lay.secSize == 64 {
		w = 8
	}
	// sh_name, sh_type, then sh_flags, sh_addr, sh_offset, sh_size (words), then sh_link, sh_info.
	return elfSection{typ: f.bo.Uint32(b[4:]), flags: lay.word(b[8:], f.bo), offset: lay.word(b[8+2*w:], f.bo),
		size: lay.word(b[8+3*w:], f.bo), link: f.bo.Uint32(b[8+4*w:]), info: f.bo.Uint32(b[12+4*w:]),
		name: string(b[:4])}, nil
}

// nameSections replaces each section's raw sh_name (kept in name) by its name from the table strndx.
func (f *elfFile) nameSections(strndx uint32) error {
	var names []byte
	if int(strndx) < len(f.sections) {
		names, _ = f.data(f.sections[strndx], maxLibcSize)
	}
	for i := range f.sections {
		s := &f.sections[i]
		s.name = cString(names, int(f.bo.Uint32([]byte(s.name))))
	}
	return nil
}

// data reads a section's bytes; false when it has none to read, is compressed, larger than max or
// outside the file.
func (f *elfFile) data(s elfSection, max uint64) ([]byte, bool) {
	if s.typ == shtNobits || s.flags&shfCompress != 0 || s.size > max || s.offset > f.fileSize || s.size > f.fileSize-s.offset {
		return nil, false
	}
	b := make([]byte, s.size)
	if _, err := f.r.ReadAt(b, int64(s.offset)); err != nil && !(errors.Is(err, io.EOF) && s.size == 0) {
		return nil, false
	}
	return b, true
}

// sectionByType is the first section of type typ.
func (f *elfFile) sectionByType(typ uint32) (elfSection, bool) {
	for _, s := range f.sections {
		if s.typ == typ {
			return s, true
		}
	}
	return elfSection{}, false
}

func (f *elfFile) sectionNamed(name string) (elfSection, bool) {
	for _, s := range f.sections {
		if s.name == name {
			return s, true
		}
	}
	return elfSection{}, false
}
