// openPackage(): reads a package from the end of the file in the order of docs/format.md ("Verification
// order") and refuses it at the first failed check — trailer → version → Adler-32 → zero index bytes →
// key fingerprint field → layout → metadata SHA-256 → gunzip → Ed25519 signature → trust (the caller's
// checkKey) → metadata JSON → slot table. Nothing is parsed before the bytes it comes from have been checked and signed by
// an acceptable key. Slot bytes are read lazily (verify.ts and extract.ts hash them).

import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { adler32, sha256, sha256Hex } from '../crypto/digest.js';
import { verifySignature } from '../crypto/signature.js';
import { FlavorError, toFlavorError } from '../errors.js';
import {
  bytesEqual,
  checkFormatVersion,
  checkIndexZeroRegions,
  checkKeyFingerprintField,
  checkSlotTable,
  decodeIndexBlock,
  decodeSlotTable,
  decodeTrailer,
  type IndexBlock,
  indexChecksumInput,
  isAllZero,
  type Layout,
  LIMITS,
  type PackageMetadata,
  parseMetadata,
  type SlotDescriptor,
  type SlotRange,
  signedMessage,
  TRAILER_SIZE,
  trailerOffset,
  validateLayout,
} from '../format/index.js';
import { gunzipMetadata } from '../payload/metadata-gzip.js';
import { workenvId } from '../workenv/identity.js';

export interface OpenedPackage {
  path: string;
  layout: Layout;
  index: IndexBlock;
  /** The exact uncompressed metadata JSON: the signed message. */
  metadataJson: Uint8Array;
  metadata: PackageMetadata;
  descriptors: SlotDescriptor[];
  slotRanges: SlotRange[];
  /** Workenv id the launcher will use (docs/workenv.md). */
  identity: string;
  /** "valid" when the Ed25519 signature checks; the trust decision is made by verify.ts. */
  signature: 'valid';
}

export interface OpenOptions {
  /** Skip the signature check (only for tools that explicitly report it, never for extraction). */
  skipSignature?: boolean;
  /**
   * The trust decision (step 8), run right after the signature check and before the JSON is parsed;
   * it throws to refuse the key. `launcher` reads the launcher region (for its trust block).
   */
  checkKey?: (publicKey: Uint8Array, launcher: () => Promise<Uint8Array>) => Promise<void>;
}

export async function readExactly(handle: FileHandle, offset: number, size: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const { bytesRead } = await handle.read(buffer, done, size - done, offset + done);
    if (bytesRead === 0)
      throw new FlavorError('FILE_TOO_SMALL', `file ended while reading ${size} bytes at ${offset}`);
    done += bytesRead;
  }
  return buffer;
}

/** Reads `size` bytes at `offset` of a file. */
export async function readRegion(path: string, offset: number, size: number): Promise<Uint8Array> {
  const handle = await fs.open(path, 'r');
  try {
    return await readExactly(handle, offset, size);
  } finally {
    await handle.close();
  }
}

export async function openPackage(path: string, options: OpenOptions = {}): Promise<OpenedPackage> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (cause) {
    throw toFlavorError(cause, path);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new FlavorError('NOT_FOUND', 'not a regular file', { path });
    return await readPackage(handle, path, stat.size, options);
  } catch (cause) {
    throw toFlavorError(cause, path);
  } finally {
    await handle.close();
  }
}

async function readPackage(
  handle: FileHandle,
  path: string,
  fileLength: number,
  options: OpenOptions,
): Promise<OpenedPackage> {
  const trailerAt = trailerOffset(fileLength);
  const indexBytes = decodeTrailer(await readExactly(handle, trailerAt, TRAILER_SIZE));
  const index = decodeIndexBlock(indexBytes);
  checkFormatVersion(index);
  const computed = adler32(indexChecksumInput(indexBytes));
  if (computed !== index.indexChecksum) {
    throw new FlavorError(
      'INDEX_CHECKSUM',
      `index checksum is 0x${hex8(index.indexChecksum)}, the index block hashes to 0x${hex8(computed)}`,
      { hint: 'the index block was modified or corrupted', details: { region: 'index' } },
    );
  }
  checkIndexZeroRegions(indexBytes);
  checkKeyFingerprintField(indexBytes, sha256Hex(index.publicKey));
  const layout = validateLayout(index, fileLength);

  const compressed = await readExactly(handle, layout.metadataOffset, layout.metadataSize);
  if (!bytesEqual(sha256(compressed), index.metadataChecksum)) {
    throw new FlavorError('METADATA_CHECKSUM', 'metadata bytes do not match the SHA-256 in the index', {
      hint: 'the metadata region was modified or corrupted',
      details: { region: 'metadata' },
    });
  }
  const metadataJson = gunzipMetadata(compressed, LIMITS.maxMetadataJsonSize);
  if (!options.skipSignature) checkSignature(index, metadataJson);
  await options.checkKey?.(index.publicKey, () => readExactly(handle, 0, layout.launcherSize));

  const metadata = parseMetadata(metadataJson);
  const descriptors =
    layout.slotCount === 0
      ? []
      : decodeSlotTable(
          await readExactly(handle, layout.slotTableOffset, layout.slotTableSize),
          layout.slotCount,
        );
  const slotRanges = checkSlotTable(descriptors, metadata, layout);
  return {
    path,
    layout,
    index,
    metadataJson,
    metadata,
    descriptors,
    slotRanges,
    identity: workenvId(metadata.package.name, metadata.package.version, metadataJson),
    signature: 'valid',
  };
}

function checkSignature(index: IndexBlock, metadataJson: Uint8Array): void {
  if (isAllZero(index.signature)) {
    throw new FlavorError('SIGNATURE_MISSING', 'the package is not signed (all-zero signature)', {
      details: { region: 'index.signature' },
    });
  }
  let valid: boolean;
  try {
    valid = verifySignature(signedMessage(metadataJson), index.signature, index.publicKey);
  } catch (cause) {
    throw new FlavorError('SIGNATURE_INVALID', 'the embedded public key is not a valid Ed25519 key', {
      cause,
      details: { region: 'index.public_key' },
    });
  }
  if (!valid) {
    throw new FlavorError(
      'SIGNATURE_INVALID',
      'the Ed25519 signature does not match the metadata and public key',
      {
        hint: 'the metadata, the signature or the public key was modified',
        details: { region: 'index.signature' },
      },
    );
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
