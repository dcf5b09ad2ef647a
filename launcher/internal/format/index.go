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

// DecodeIndex decodes an 8192-byte index block and checks, in the order of docs/format.md, its
// version, its checksum, the bytes that must be zero, the key fingerprint field and the package size.
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
	if err := CheckIndexZeroRegions(block); err != nil {
		return nil, err
	}
	if err := ix.CheckKeyFingerprint(); err != nil {
		return nil, err
	}
	if ix.PackageSize != fileLen {
		return nil, errs.New(errs.PackageSizeMismatch, "index says the package is %d bytes, the file is %d bytes", ix.PackageSize, fileLen)
	}
	return ix, nil
}

// CheckIndexZeroRegions refuses non-zero bytes where the format defines zero: the 448 bytes after the
// signature, the field padding 692..703, and future_crypto + reserved (864..8191) except the key
// fingerprint field 1376..1439 (CheckKeyFingerprint). They are unsigned and unused, so non-zero bytes
// could only carry smuggled data. (src/format/index-block.ts has the
// same function, with the same messages and order.)
func CheckIndexZeroRegions(b []byte) error {
	if !allZero(b[OffSignature+SignatureSize : OffSignature+SignatureFieldSize]) {
		return errs.New(errs.LayoutInvalid, "index bytes 192..639 after the signature must be zero")
	}
	if !allZero(b[OffPadding : OffPadding+PaddingSize]) {
		return errs.New(errs.LayoutInvalid, "index padding bytes 692..703 must be zero")
	}
	if !allZero(b[OffFutureCrypto:OffReserved]) || !allZero(b[OffReserved+KeyFingerprintSize:IndexSize]) {
		return errs.New(errs.LayoutInvalid, "index bytes 864..1375 and 1440..8191 (future_crypto, reserved) must be zero")
	}
	return nil
}

func decodeFields(b []byte) *Index {
	le := binary.LittleEndian
	ix := &Index{
		FormatVersion:   le.Uint32(b[OffFormatVersion:]),
		IndexChecksum:   le.Uint32(b[OffIndexChecksum:]),
		PackageSize:     le.Uint64(b[OffPackageSize:]),
		LauncherSize:    le.Uint64(b[OffLauncherSize:]),
		MetadataOffset:  le.Uint64(b[OffMetadataOffset:]),
		MetadataSize:    le.Uint64(b[OffMetadataSize:]),
		SlotTableOffset: le.Uint64(b[OffSlotTableOffset:]),
		SlotTableSize:   le.Uint64(b[OffSlotTableSize:]),
		SlotCount:       le.Uint32(b[OffSlotCount:]),
		Flags:           le.Uint32(b[OffFlags:]),
		AccessMode:      b[OffAccessMode],
		CacheStrategy:   b[OffCacheStrategy],
		ReservedHint1:   b[OffReservedHint1],
		ReservedHint2:   b[OffReservedHint2],
		PageSize:        le.Uint32(b[OffPageSize:]),
		MaxMemory:       le.Uint64(b[OffMaxMemory:]),
		MinMemory:       le.Uint64(b[OffMinMemory:]),
		CPUFeatures:     le.Uint64(b[OffCPUFeatures:]),
		GPURequirements: le.Uint64(b[OffGPURequirements:]),
		NUMAHints:       le.Uint64(b[OffNUMAHints:]),
		StreamChunkSize: le.Uint32(b[OffStreamChunkSize:]),
		BuildTimestamp:  le.Uint64(b[OffBuildTimestamp:]),
		Capabilities:    le.Uint64(b[OffCapabilities:]),
		Requirements:    le.Uint64(b[OffRequirements:]),
		Extensions:      le.Uint64(b[OffExtensions:]),
		Compatibility:   le.Uint32(b[OffCompatibility:]),
		ProtocolVersion: le.Uint32(b[OffProtocolVersion:]),
	}
	copy(ix.PublicKey[:], b[OffPublicKey:])
	copy(ix.MetadataChecksum[:], b[OffMetadataChecksum:])
	copy(ix.IntegritySignature[:], b[OffSignature:])
	copy(ix.BuildMachine[:], b[OffBuildMachine:])
	copy(ix.SourceHash[:], b[OffSourceHash:])
	copy(ix.DependencyHash[:], b[OffDependencyHash:])
	copy(ix.LicenseID[:], b[OffLicenseID:])
	copy(ix.ProvenanceURI[:], b[OffProvenanceURI:])
	copy(ix.FutureCrypto[:], b[OffFutureCrypto:])
	copy(ix.Reserved[:], b[OffReserved:])
	return ix
}
