import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import {
  chainName,
  NAMED_CHAINS,
  OP,
  packOperations,
  parseChain,
  unpackOperations,
} from '../../src/format/operations.js';

test('named chains parse and name both ways', () => {
  const expected: Record<string, number[]> = {
    raw: [],
    gzip: [OP.GZIP],
    tar: [OP.TAR],
    'tar.gz': [OP.TAR, OP.GZIP],
    tgz: [OP.TAR, OP.GZIP],
    zstd: [OP.ZSTD],
    'tar.zst': [OP.TAR, OP.ZSTD],
    xz: [OP.XZ],
    'tar.xz': [OP.TAR, OP.XZ],
    bzip2: [OP.BZIP2],
    'tar.bz2': [OP.TAR, OP.BZIP2],
    'tar|gzip': [OP.TAR, OP.GZIP],
    'TAR|GZIP': [OP.TAR, OP.GZIP],
    none: [],
    '': [],
  };
  for (const [name, chain] of Object.entries(expected)) assert.deepEqual(parseChain(name), chain, name);
  assert.equal(chainName([OP.TAR, OP.GZIP]), 'tar.gz');
  assert.equal(chainName([]), 'raw');
  assert.equal(chainName([OP.GZIP, OP.ZSTD]), 'gzip|zstd');
  for (const [name, chain] of NAMED_CHAINS) assert.deepEqual(parseChain(chainName(chain)), [...chain], name);
});

test('packing puts the first op in the lowest byte', () => {
  assert.equal(packOperations([OP.TAR, OP.GZIP]), 0x1001n);
  assert.equal(packOperations([OP.TAR, OP.ZSTD]), 0x1b01n);
  assert.deepEqual(unpackOperations(0x1001n), [OP.TAR, OP.GZIP]);
  assert.deepEqual(unpackOperations(0n), []);
});

test('eight ops fit, nine do not', () => {
  const eight = Array(8).fill(OP.GZIP);
  assert.deepEqual(unpackOperations(packOperations(eight)), eight);
  assert.throws(
    () => packOperations([...eight, OP.GZIP]),
    (e) => isFlavorError(e, 'CHAIN_TOO_LONG'),
  );
  assert.throws(
    () => parseChain(Array(9).fill('gzip').join('|')),
    (e) => isFlavorError(e, 'CHAIN_TOO_LONG'),
  );
});

test('unknown ops and bytes after the terminator are refused', () => {
  assert.throws(
    () => unpackOperations(0x31n),
    (e) => isFlavorError(e, 'UNKNOWN_OPERATION'),
  );
  assert.throws(
    () => unpackOperations(0x10_00_10n),
    (e) => isFlavorError(e, 'UNKNOWN_OPERATION'),
  );
  assert.throws(
    () => packOperations([0x02]),
    (e) => isFlavorError(e, 'UNKNOWN_OPERATION'),
  );
  // Upstream's Rust builder writes comma lists verbatim into the metadata: accepted like "|".
  assert.deepEqual(parseChain('tar,gzip'), [0x01, 0x10]);
  assert.deepEqual(parseChain(' TAR , zstd'), [0x01, 0x1b]);
  assert.throws(
    () => parseChain('tar,,gzip'),
    (e) => isFlavorError(e, 'UNKNOWN_OPERATION'),
  );
  assert.throws(
    () => parseChain('lz4'),
    (e) => isFlavorError(e, 'UNKNOWN_OPERATION'),
  );
});
