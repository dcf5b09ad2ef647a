package format

// Byte offsets of the index block fields (docs/format.md, "Index block"); the same table as
// INDEX_FIELDS in src/format/index-block.ts (TestIndexFieldsMatchTypeScript compares them).
const (
	OffFormatVersion    = 0
	OffIndexChecksum    = 4
	OffPackageSize      = 8
	OffLauncherSize     = 16
	OffMetadataOffset   = 24
	OffMetadataSize     = 32
	OffSlotTableOffset  = 40
	OffSlotTableSize    = 48
	OffSlotCount        = 56
	OffFlags            = 60
	OffPublicKey        = 64
	OffMetadataChecksum = 96
	OffSignature        = 128
	OffAccessMode       = 640
	OffCacheStrategy    = 641
	OffReservedHint1    = 642
	OffReservedHint2    = 643
	OffPageSize         = 644
	OffMaxMemory        = 648
	OffMinMemory        = 656
	OffCPUFeatures      = 664
	OffGPURequirements  = 672
	OffNUMAHints        = 680
	OffStreamChunkSize  = 688
	OffPadding          = 692
	OffBuildTimestamp   = 704
	OffBuildMachine     = 712
	OffSourceHash       = 744
	OffDependencyHash   = 776
	OffLicenseID        = 808
	OffProvenanceURI    = 824
	OffCapabilities     = 832
	OffRequirements     = 840
	OffExtensions       = 848
	OffCompatibility    = 856
	OffProtocolVersion  = 860
	OffFutureCrypto     = 864
	OffReserved         = 1376

	SignatureSize      = 64
	SignatureFieldSize = 512
	PaddingSize        = 12
)

// IndexField names one field of the index block: its name in docs/format.md, offset and size.
type IndexField struct {
	Name   string
	Offset int
	Size   int
}

// IndexFields lists every field in order; together they cover the 8192 bytes exactly.
var IndexFields = []IndexField{
	{"format_version", OffFormatVersion, 4}, {"index_checksum", OffIndexChecksum, 4},
	{"package_size", OffPackageSize, 8}, {"launcher_size", OffLauncherSize, 8},
	{"metadata_offset", OffMetadataOffset, 8}, {"metadata_size", OffMetadataSize, 8},
	{"slot_table_offset", OffSlotTableOffset, 8}, {"slot_table_size", OffSlotTableSize, 8},
	{"slot_count", OffSlotCount, 4}, {"flags", OffFlags, 4},
	{"public_key", OffPublicKey, 32}, {"metadata_checksum", OffMetadataChecksum, 32},
	{"signature", OffSignature, SignatureFieldSize},
	{"access_mode", OffAccessMode, 1}, {"cache_strategy", OffCacheStrategy, 1},
	{"reserved_hint1", OffReservedHint1, 1}, {"reserved_hint2", OffReservedHint2, 1},
	{"page_size", OffPageSize, 4}, {"max_memory", OffMaxMemory, 8}, {"min_memory", OffMinMemory, 8},
	{"cpu_features", OffCPUFeatures, 8}, {"gpu_requirements", OffGPURequirements, 8},
	{"numa_hints", OffNUMAHints, 8}, {"stream_chunk_size", OffStreamChunkSize, 4},
	{"padding", OffPadding, PaddingSize}, {"build_timestamp", OffBuildTimestamp, 8},
	{"build_machine", OffBuildMachine, 32}, {"source_hash", OffSourceHash, 32},
	{"dependency_hash", OffDependencyHash, 32}, {"license_id", OffLicenseID, 16},
	{"provenance_uri", OffProvenanceURI, 8}, {"capabilities", OffCapabilities, 8},
	{"requirements", OffRequirements, 8}, {"extensions", OffExtensions, 8},
	{"compatibility", OffCompatibility, 4}, {"protocol_version", OffProtocolVersion, 4},
	{"future_crypto", OffFutureCrypto, 512}, {"reserved", OffReserved, IndexSize - OffReserved},
}
