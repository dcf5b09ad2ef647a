// One generator per shared archive vector (testdata/vectors/archives/, format in testdata/vectors/README.md):
// raw tar streams that both extractors (src/payload/tar-extract.ts and the Go launcher's payload package)
// must accept with exactly the listed tree or refuse with exactly the listed code. Deterministic output.

import { buildTar, header, type RawEntry } from '../../test/payload/helpers/tar-builder.js';

export interface ArchiveVector {
  name: string;
  comment: string;
  /** "success" or the error code both extractors must raise. */
  expect: string;
  /** Cap on the decoded stream and on the file contents written (a slot's signed original_size). */
  maxBytes?: number;
  /** For success: every path extracted, sorted; folders end in "/", links are "name -> target". */
  tree?: string[];
  bytes: Uint8Array;
}

const MiB = 1024 * 1024;
const dir = (name: string): RawEntry => ({ name, type: '5', mode: 0o755 });
const link = (name: string, linkname: string): RawEntry => ({ name, type: '2', linkname });
const file = (name: string, data: string): RawEntry => ({ name, data, mode: 0o644 });

/** A one-byte sparse file of 1 MiB described by PAX records (GNU sparse formats 0.0, 0.1, 1.0). */
function paxSparse(records: Record<string, string>, data: Buffer): Buffer {
  return buildTar([{ name: 'GNUSparseFile.0/sparse.bin', pax: records, data }]);
}

/** An old-GNU sparse entry (type 'S', GNU magic, map in the header): one byte at the end of 1 MiB. */
function gnuSparse(): Buffer {
  const h = header({ name: 'sparse.bin', type: 'S' }, 1);
  h.write('ustar  \0', 257, 'latin1');
  const octal = (v: number, len: number) => `${v.toString(8).padStart(len - 1, '0')}\0`;
  h.write(octal(MiB - 1, 12), 386, 'ascii'); // sparse[0].offset
  h.write(octal(1, 12), 398, 'ascii'); // sparse[0].numbytes
  h.write(octal(MiB, 12), 483, 'ascii'); // realsize
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return Buffer.concat([h, Buffer.from('x'), Buffer.alloc(511), Buffer.alloc(1024)]);
}

const chainOut = [dir('d'), link('d/l', '..'), link('e', 'd/l/..')];
const budgetTar = buildTar([file('a', 'a'.repeat(600)), file('b', 'b'.repeat(600))]);

export const ARCHIVE_GENERATORS: Record<string, () => Omit<ArchiveVector, 'name'>> = {
  'ok-files-folders-links': () => ({
    comment: 'files, folders, a link to a file and links through links that stay inside',
    expect: 'success',
    tree: ['c -> d/up/d', 'd/', 'd/f', 'd/up -> ..', 'l -> d/f'],
    bytes: buildTar([
      dir('d'),
      file('d/f', 'data'),
      link('l', 'd/f'),
      link('d/up', '..'),
      link('c', 'd/up/d'),
    ]),
  }),
  'fail-link-parent': () => ({
    comment: 'a link whose target leaves the root lexically',
    expect: 'UNSAFE_PATH',
    bytes: buildTar([link('l', '../x')]),
  }),
  'fail-link-absolute': () => ({
    comment: 'a link with an absolute target',
    expect: 'UNSAFE_PATH',
    bytes: buildTar([link('l', '/etc')]),
  }),
  'fail-link-chain-out': () => ({
    comment: 'd/l -> .. then e -> d/l/..: lexically "d", on disk the parent of the root',
    expect: 'UNSAFE_PATH',
    bytes: buildTar(chainOut),
  }),
  'fail-link-chain-out-reversed': () => ({
    comment: 'e -> d/l/.. before d/l -> .. exists: links are resolved on disk after the last entry',
    expect: 'UNSAFE_PATH',
    bytes: buildTar([link('e', 'd/l/..'), dir('d'), link('d/l', '..')]),
  }),
  'fail-link-chain-deep': () => ({
    comment: 'd/l -> .. then e -> d/l/d/l/..: two hops through the same link, then out',
    expect: 'UNSAFE_PATH',
    bytes: buildTar([dir('d'), link('d/l', '..'), link('e', 'd/l/d/l/..')]),
  }),
  'fail-link-loop': () => ({
    comment: 'a -> b and b -> a: a loop never resolves and counts as leaving the root',
    expect: 'UNSAFE_PATH',
    bytes: buildTar([link('a', 'b'), link('b', 'a')]),
  }),
  'fail-link-chain-then-hard-link': () => ({
    comment: 'an escaping link chain and a later hard link: the hard link is refused first (check order)',
    expect: 'UNSAFE_ENTRY',
    bytes: buildTar([...chainOut, { name: 'h', type: '1', linkname: 'd' }]),
  }),
  'fail-file-through-link': () => ({
    comment: 'a file written through a link that stays inside',
    expect: 'UNSAFE_PATH',
    bytes: buildTar([dir('d'), link('l', 'd'), file('l/f', 'x')]),
  }),
  'fail-sparse-pax-0.0': () => ({
    comment: 'GNU sparse 0.0 (PAX GNU.sparse.offset/numbytes): 1 stored byte would write 1 MiB',
    expect: 'UNSAFE_ENTRY',
    bytes: paxSparse(
      {
        'GNU.sparse.size': String(MiB),
        'GNU.sparse.numblocks': '1',
        'GNU.sparse.offset': String(MiB - 1),
        'GNU.sparse.numbytes': '1',
      },
      Buffer.from('x'),
    ),
  }),
  'fail-sparse-pax-0.1': () => ({
    comment: 'GNU sparse 0.1 (PAX GNU.sparse.map): 1 stored byte would write 1 MiB',
    expect: 'UNSAFE_ENTRY',
    bytes: paxSparse(
      {
        'GNU.sparse.major': '0',
        'GNU.sparse.minor': '1',
        'GNU.sparse.name': 'sparse.bin',
        'GNU.sparse.size': String(MiB),
        'GNU.sparse.numblocks': '1',
        'GNU.sparse.map': `${MiB - 1},1`,
      },
      Buffer.from('x'),
    ),
  }),
  'fail-sparse-pax-1.0': () => ({
    comment: 'GNU sparse 1.0 (PAX major/minor, map in the data): 1 stored byte would write 1 MiB',
    expect: 'UNSAFE_ENTRY',
    bytes: paxSparse(
      {
        'GNU.sparse.major': '1',
        'GNU.sparse.minor': '0',
        'GNU.sparse.name': 'sparse.bin',
        'GNU.sparse.realsize': String(MiB),
      },
      Buffer.concat([Buffer.from(`1\n${MiB - 1}\n1\n`.padEnd(512, '\0')), Buffer.from('x')]),
    ),
  }),
  'fail-sparse-gnu-old': () => ({
    comment: 'old GNU sparse entry (type S, map in the header): 1 stored byte would write 1 MiB',
    expect: 'UNSAFE_ENTRY',
    bytes: gnuSparse(),
  }),
  'fail-no-end-marker': () => ({
    comment: 'a complete entry and then the end of the stream, without the zero end-of-archive block',
    expect: 'PAYLOAD_CORRUPT',
    bytes: buildTar([file('a', 'data')], { end: false }),
  }),
  'fail-empty-stream': () => ({
    comment: 'no bytes at all: not even an end-of-archive block',
    expect: 'PAYLOAD_CORRUPT',
    bytes: new Uint8Array(0),
  }),
  'ok-one-zero-block': () => ({
    comment: 'one zero block ends the archive (readers accept a single end block, as GNU tar does)',
    expect: 'success',
    tree: ['a'],
    bytes: Buffer.concat([buildTar([file('a', 'data')], { end: false }), Buffer.alloc(512)]),
  }),
  'ok-exactly-max-bytes': () => ({
    comment: 'an archive exactly as long as the cap',
    expect: 'success',
    maxBytes: budgetTar.length,
    tree: ['a', 'b'],
    bytes: budgetTar,
  }),
  'fail-one-byte-over-max-bytes': () => ({
    comment: 'the same archive with a cap one byte smaller',
    expect: 'PAYLOAD_TOO_LARGE',
    maxBytes: budgetTar.length - 1,
    bytes: budgetTar,
  }),
  'fail-entry-over-max-bytes': () => ({
    comment: 'the second file would end beyond the cap (refused before it is written)',
    expect: 'PAYLOAD_TOO_LARGE',
    maxBytes: 512 + 1024 + 512 + 100,
    bytes: budgetTar,
  }),
};

export function encodeArchiveVector(v: ArchiveVector): Uint8Array {
  const lines = [`expect: ${v.expect}`, `comment: ${v.comment}`];
  if (v.maxBytes !== undefined) lines.push(`max-bytes: ${v.maxBytes}`);
  if (v.tree) lines.push(`tree: ${v.tree.join(', ')}`);
  return Buffer.concat([Buffer.from(`${lines.join('\n')}\n\n`), v.bytes]);
}
