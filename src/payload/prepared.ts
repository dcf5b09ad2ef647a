// Prepared slots: a source file that already is in its chain's encoding — a .tar.gz for "tar.gz", a .gz
// for "gzip" — is stored as-is (upstream's meaning of a manifest slot). The rule (docs/manifest.md):
//   * a directory is always encoded by us (tar, then the chain's compression);
//   * a file whose chain contains tar is prepared: it must be that archive;
//   * a file whose chain is compression only is prepared when it starts with the magic bytes of the
//     chain's outermost compression, and encoded by us otherwise;
//   * a raw chain stores the file as-is anyway.
// A prepared file is proven before it is stored: it must decode through the whole chain and, for tar
// chains, extract safely (into a scratch folder that is removed again).

import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FlavorError } from '../errors.js';
import { decodeSlot, decodeStream } from './decode.js';
import { checkChain, OP } from './ops.js';

const MAGIC: Record<number, Uint8Array> = {
  [OP.GZIP]: Uint8Array.of(0x1f, 0x8b),
  [OP.ZSTD]: Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd),
  [OP.XZ]: Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00),
  [OP.BZIP2]: Uint8Array.of(0x42, 0x5a, 0x68),
};

/** True when `source` is a file to store as-is under `chain` (see the rule above). */
export async function isPreparedSource(source: string, chain: readonly number[]): Promise<boolean> {
  if (chain.length === 0) return false;
  const st = await stat(source).catch(() => undefined);
  if (!st?.isFile()) return false;
  if (checkChain(chain)) return true;
  const magic = MAGIC[chain[chain.length - 1]!];
  if (!magic) return false;
  const head = new Uint8Array(magic.length);
  const handle = await open(source, 'r');
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  return head.every((b, i) => b === magic[i]);
}

export interface PreparedStats {
  /** Bytes entering the first compression op: the tar size for tar chains, else the decoded size. */
  originalSize: number;
}

/**
 * Proves a prepared source: it decodes through `chain`, and a tar chain's archive extracts safely.
 * Errors are SOURCE_INVALID naming the file, with the decoder's reason as cause.
 */
export async function checkPreparedSource(
  source: string,
  chain: readonly number[],
  scratchDir: string,
  /** The path to name in errors (default: `source`). */
  shownPath: string = source,
): Promise<PreparedStats> {
  const hasTar = checkChain(chain);
  const storedSize = (await stat(source)).size;
  try {
    const compression = hasTar ? chain.slice(1) : chain;
    let originalSize = 0;
    for await (const chunk of decodeStream(createReadStream(source), compression, { storedSize })) {
      originalSize += (chunk as Uint8Array).length;
    }
    if (hasTar) {
      const dest = await mkdtemp(join(scratchDir, 'prepared-'));
      try {
        await decodeSlot(createReadStream(source), chain, dest, { storedSize, force: true });
      } finally {
        await rm(dest, { recursive: true, force: true });
      }
    }
    return { originalSize };
  } catch (cause) {
    const reason = cause instanceof FlavorError ? cause.message : String(cause);
    throw new FlavorError(
      'SOURCE_INVALID',
      `the file is stored as-is (a prepared slot), but it is not valid under its operations: ${reason}`,
      {
        path: shownPath,
        cause,
        hint: hasTar
          ? 'give the archive the operations describe (e.g. a .tar.gz for "tar.gz"), or a folder to pack'
          : 'fix the file, or use "raw" to store it byte for byte',
      },
    );
  }
}
