// Fixed numbers of the PSPF/2025 byte layout (docs/format.md). Pure values: no I/O here.

/** UTF-8 of U+1F4E6 (package): starts the trailer, at end of file − 8200. */
export const START_MAGIC = Uint8Array.of(0xf0, 0x9f, 0x93, 0xa6);
/** UTF-8 of U+1FA84 (magic wand): the last four bytes of every package. */
export const END_MAGIC = Uint8Array.of(0xf0, 0x9f, 0xaa, 0x84);

export const INDEX_SIZE = 8192;
export const MAGIC_SIZE = 4;
/** start magic + index block + end magic */
export const TRAILER_SIZE = MAGIC_SIZE + INDEX_SIZE + MAGIC_SIZE;

export const FORMAT_VERSION = 0x20250001;
export const FORMAT_NAME = 'PSPF/2025';
export const METADATA_FORMAT_VERSION = '1.0.0';

export const DESCRIPTOR_SIZE = 64;
export const PUBLIC_KEY_SIZE = 32;
export const SIGNATURE_SIZE = 64;
export const SIGNATURE_FIELD_SIZE = 512;
export const SHA256_SIZE = 32;

/** Limits that keep a forged length from turning into a huge allocation. */
export const LIMITS = {
  /** Compressed metadata bytes. */
  maxMetadataSize: 16 * 1024 * 1024,
  /** Uncompressed metadata JSON bytes. */
  maxMetadataJsonSize: 16 * 1024 * 1024,
  maxSlotCount: 65536,
  maxChainLength: 8,
} as const;

/** Capability bits of the index `capabilities` field. */
export const CAPABILITIES = {
  MMAP: 1n << 0n,
  PAGE_ALIGNED: 1n << 1n,
  COMPRESSED_INDEX: 1n << 2n,
  STREAMING: 1n << 3n,
  PREFETCH: 1n << 4n,
  CACHE_AWARE: 1n << 5n,
  ENCRYPTED: 1n << 6n,
  SIGNED: 1n << 7n,
} as const;

export const ACCESS_MODES = { FILE: 0, MMAP: 1, AUTO: 2, STREAM: 3 } as const;
export const CACHE_STRATEGIES = { LOW: 0, NORMAL: 1, HIGH: 2, CRITICAL: 3 } as const;
