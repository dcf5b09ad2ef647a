// payload/: operation chains (tar, gzip, zstd, xz, bzip2) and safe archive extraction.

export {
  findProgram,
  hasNativeZstd,
  levelRange,
  setZstdBackend,
  ZSTD_FRAME_BYTES,
  ZSTD_MAX_WINDOW,
  type ZstdBackend,
  zstdBackend,
} from './codecs.js';
export type { DecodeOptions, DecodeStats } from './decode.js';
export { decodeSlot, decodeStream } from './decode.js';
export type { EncodeOptions, EncodeStats } from './encode.js';
export { encodeSlot } from './encode.js';
export {
  decryptStage,
  ENCRYPTED_HEADER_BYTES,
  ENCRYPTION_CHUNK_BYTES,
  encryptStage,
  openHeader,
  SLOT_KEY_BYTES,
} from './encrypted.js';
export { gunzipMetadata, gzipMetadata } from './metadata-gzip.js';
export { chainName, checkChain, OP, type OpCode, opName } from './ops.js';
export type { PreparedStats } from './prepared.js';
export { checkPreparedSource, isPreparedSource } from './prepared.js';
export { isInside, linkTargetProblem, splitEntryName } from './safe-path.js';
export type { ExtractOptions, ExtractStats } from './tar-extract.js';
export { extractTar } from './tar-extract.js';
export type { TarWriteOptions } from './tar-write.js';
export { createDeterministicTar } from './tar-write.js';
