package format

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"

	"flavorpack.dev/launcher/internal/errs"
)

// Trailer geometry: start magic, 8192-byte index block, end magic, all at the end of the file.
const (
	IndexSize     = 8192
	TrailerSize   = 4 + IndexSize + 4
	FormatVersion = 0x20250001
)

var (
	StartMagic = []byte{0xF0, 0x9F, 0x93, 0xA6} // U+1F4E6
	EndMagic   = []byte{0xF0, 0x9F, 0xAA, 0x84} // U+1FA84
)

// Index is the decoded index block; field names follow docs/format.md.
type Index struct {
	FormatVersion      uint32
	IndexChecksum      uint32
	PackageSize        uint64
	LauncherSize       uint64
	MetadataOffset     uint64
	MetadataSize       uint64
	SlotTableOffset    uint64
	SlotTableSize      uint64
	SlotCount          uint32
	Flags              uint32
	PublicKey          [32]byte
	MetadataChecksum   [32]byte
	IntegritySignature [512]byte
	AccessMode         uint8
	CacheStrategy      uint8
	ReservedHint1      uint8
	ReservedHint2      uint8
	PageSize           uint32
	MaxMemory          uint64
	MinMemory          uint64
	CPUFeatures        uint64
	GPURequirements    uint64
	NUMAHints          uint64
	StreamChunkSize    uint32
	BuildTimestamp     uint64
	BuildMachine       [32]byte
	SourceHash         [32]byte
	DependencyHash     [32]byte
	LicenseID          [16]byte
	ProvenanceURI      [8]byte
	Capabilities       uint64
	Requirements       uint64
	Extensions         uint64
	Compatibility      uint32
	ProtocolVersion    uint32
	FutureCrypto       [512]byte
	Reserved           [6816]byte

	paddingNonZero bool // index bytes 692..703
}

// Signature is the 64-byte Ed25519 signature inside the 512-byte signature field.
func (ix *Index) Signature() []byte { return ix.IntegritySignature[:64] }

// SplitTrailer checks the two magics around the index block in the last TrailerSize bytes of a file
// of fileLen bytes and returns the index block.
func SplitTrailer(tail []byte, fileLen uint64) ([]byte, error) {
	if fileLen < TrailerSize || len(tail) != TrailerSize {
		return nil, errs.New(errs.FileTooSmall, "file is %d bytes, a package has at least %d", fileLen, TrailerSize)
	}
	if !bytes.Equal(tail[:4], StartMagic) {
		return nil, errs.New(errs.BadStartMagic, "no package trailer: start magic missing at offset %d", fileLen-TrailerSize)
	}
	if !bytes.Equal(tail[TrailerSize-4:], EndMagic) {
		return nil, errs.New(errs.BadEndMagic, "no package trailer: end magic missing at offset %d", fileLen-4)
	}
	return tail[4 : 4+IndexSize], nil
}

// IndexAdler32 is the Adler-32 of the index block with its checksum field (bytes 4..7) zeroed.
func IndexAdler32(block []byte) uint32 {
	h := adler32.New()
	h.Write(block[:4])
	h.Write([]byte{0, 0, 0, 0})
	h.Write(block[8:])
	return h.Sum32()
}

// DecodeIndex decodes an 8192-byte index block and checks its version, checksum and package size.
func DecodeIndex(block []byte, fileLen uint64) (*Index, error) {
	if len(block) != IndexSize {
		return nil, errs.New(errs.LayoutInvalid, "index block is %d bytes, expected %d", len(block), IndexSize)
	}
	ix := decodeFields(block)
	if ix.FormatVersion != FormatVersion {
		return nil, errs.New(errs.BadVersion, "format version 0x%08x is not supported (expected 0x%08x)", ix.FormatVersion, FormatVersion)
	}
	if sum := IndexAdler32(block); sum != ix.IndexChecksum {
		return nil, errs.New(errs.IndexChecksum, "index checksum mismatch: stored 0x%08x, computed 0x%08x", ix.IndexChecksum, sum)
	}
	if ix.PackageSize != fileLen {
		return nil, errs.New(errs.PackageSizeMismatch, "index says the package is %d bytes, the file is %d bytes", ix.PackageSize, fileLen)
	}
	return ix, nil
}

func decodeFields(b []byte) *Index {
	le := binary.LittleEndian
	ix := &Index{
		FormatVersion:   le.Uint32(b[0:]),
		IndexChecksum:   le.Uint32(b[4:]),
		PackageSize:     le.Uint64(b[8:]),
		LauncherSize:    le.Uint64(b[16:]),
		MetadataOffset:  le.Uint64(b[24:]),
		MetadataSize:    le.Uint64(b[32:]),
		SlotTableOffset: le.Uint64(b[40:]),
		SlotTableSize:   le.Uint64(b[48:]),
		SlotCount:       le.Uint32(b[56:]),
		Flags:           le.Uint32(b[60:]),
		AccessMode:      b[640],
		CacheStrategy:   b[641],
		ReservedHint1:   b[642],
		ReservedHint2:   b[643],
		PageSize:        le.Uint32(b[644:]),
		MaxMemory:       le.Uint64(b[648:]),
		MinMemory:       le.Uint64(b[656:]),
		CPUFeatures:     le.Uint64(b[664:]),
		GPURequirements: le.Uint64(b[672:]),
		NUMAHints:       le.Uint64(b[680:]),
		StreamChunkSize: le.Uint32(b[688:]),
		BuildTimestamp:  le.Uint64(b[704:]),
		Capabilities:    le.Uint64(b[832:]),
		Requirements:    le.Uint64(b[840:]),
		Extensions:      le.Uint64(b[848:]),
		Compatibility:   le.Uint32(b[856:]),
		ProtocolVersion: le.Uint32(b[860:]),
	}
	copy(ix.PublicKey[:], b[64:96])
	copy(ix.MetadataChecksum[:], b[96:128])
	copy(ix.IntegritySignature[:], b[128:640])
	copy(ix.BuildMachine[:], b[712:744])
	copy(ix.SourceHash[:], b[744:776])
	copy(ix.DependencyHash[:], b[776:808])
	copy(ix.LicenseID[:], b[808:824])
	copy(ix.ProvenanceURI[:], b[824:832])
	copy(ix.FutureCrypto[:], b[864:1376])
	copy(ix.Reserved[:], b[1376:8192])
	ix.paddingNonZero = !allZero(b[692:704])
	return ix
}
