// The trailer: start magic, 8192-byte index block, end magic — always the last 8200 bytes of a package.

import { FlavorError } from '../errors.js';
import { bytesEqual } from './bytes.js';
import { END_MAGIC, INDEX_SIZE, MAGIC_SIZE, START_MAGIC, TRAILER_SIZE } from './constants.js';

/** Checks the file is long enough to hold a trailer; returns the trailer's file offset. */
export function trailerOffset(fileLength: number): number {
  if (fileLength < TRAILER_SIZE) {
    throw new FlavorError(
      'FILE_TOO_SMALL',
      `file is ${fileLength} bytes, too small to be a package (< 8200)`,
      {
        hint: 'this is not a FlavorPack package, or it was truncated',
      },
    );
  }
  return fileLength - TRAILER_SIZE;
}

/** Checks both magics of the 8200 trailer bytes and returns the index block inside them. */
export function decodeTrailer(trailer: Uint8Array): Uint8Array {
  if (trailer.length !== TRAILER_SIZE) {
    throw new FlavorError('FILE_TOO_SMALL', `trailer is ${trailer.length} bytes, expected ${TRAILER_SIZE}`);
  }
  if (!bytesEqual(trailer.subarray(0, MAGIC_SIZE), START_MAGIC)) {
    throw new FlavorError('BAD_START_MAGIC', 'no PSPF start magic 8200 bytes before the end of the file', {
      hint: 'this is not a FlavorPack package, or bytes were appended after it (e.g. by code signing)',
      details: { region: 'start_magic' },
    });
  }
  if (!bytesEqual(trailer.subarray(TRAILER_SIZE - MAGIC_SIZE), END_MAGIC)) {
    throw new FlavorError('BAD_END_MAGIC', 'no PSPF end magic in the last 4 bytes of the file', {
      hint: 'the file was truncated or bytes were appended after the package',
      details: { region: 'end_magic' },
    });
  }
  return trailer.slice(MAGIC_SIZE, MAGIC_SIZE + INDEX_SIZE);
}

export function encodeTrailer(indexBlock: Uint8Array): Uint8Array {
  if (indexBlock.length !== INDEX_SIZE) throw new FlavorError('INTERNAL', 'index block must be 8192 bytes');
  const out = new Uint8Array(TRAILER_SIZE);
  out.set(START_MAGIC, 0);
  out.set(indexBlock, MAGIC_SIZE);
  out.set(END_MAGIC, MAGIC_SIZE + INDEX_SIZE);
  return out;
}
