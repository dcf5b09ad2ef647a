// Workenv identity (docs/workenv.md): <name>-<version>-<first 16 hex of SHA-256(signed metadata bytes)>,
// name and version sanitised byte-wise to [A-Za-z0-9._+-], cut to 64 bytes, leading "." → "_".

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { workenvId } from '../../src/workenv/identity.js';
import { readVectors } from '../helpers/vectors.js';

const META = new TextEncoder().encode('{"format":"PSPF/2025"}');
const HASH16 = createHash('sha256').update(META).digest('hex').slice(0, 16);
const id = (name: string, version = '1.0') => workenvId(name, version, META);

test('plain names are kept; the hash is the first 16 hex of SHA-256 of the signed bytes', () => {
  assert.equal(id('hello', '1.0.0'), `hello-1.0.0-${HASH16}`);
  assert.equal(id('A-z_0.9+x', '2.0+local'), `A-z_0.9+x-2.0+local-${HASH16}`);
});

test('every byte outside [A-Za-z0-9._+-] becomes _ (multi-byte UTF-8 → one _ per byte)', () => {
  assert.equal(id('my app/../x'), `my_app_.._x-1.0-${HASH16}`);
  assert.equal(id('a\\b:c*d?e"f<g>h|i\u0000j'), `a_b_c_d_e_f_g_h_i_j-1.0-${HASH16}`);
  assert.equal(id('é'), `__-1.0-${HASH16}`);
  assert.equal(id('📦'), `____-1.0-${HASH16}`);
  assert.equal(id('x', '1 0'), `x-1_0-${HASH16}`);
});

test('a leading "." becomes "_" (no hidden or ".." names)', () => {
  assert.equal(id('.hidden'), `_hidden-1.0-${HASH16}`);
  assert.equal(id('..'), `_.-1.0-${HASH16}`);
  assert.equal(id('x', '.1'), `x-_1-${HASH16}`);
  assert.equal(id('/x'), `_x-1.0-${HASH16}`);
});

test('name and version are cut to 64 bytes (before replacing, so a split UTF-8 char is still _)', () => {
  const long = 'n'.repeat(100);
  assert.equal(id(long, 'v'.repeat(70)), `${'n'.repeat(64)}-${'v'.repeat(64)}-${HASH16}`);
  const id2 = id(`${'a'.repeat(63)}é`);
  assert.equal(id2, `${'a'.repeat(63)}_-1.0-${HASH16}`);
  assert.ok(id(long).length <= 64 + 1 + 3 + 1 + 16);
});

test('the id never contains a path separator and differs when the signed bytes differ', () => {
  for (const name of ['../../etc', 'a/b', 'c\\d', '.', '']) assert.doesNotMatch(id(name), /[/\\]/);
  assert.notEqual(workenvId('a', '1', META), workenvId('a', '1', new Uint8Array([...META, 0x20])));
});

test('matches the identity recorded in every ok-* vector', () => {
  const vectors = readVectors().filter((v) => v.golden);
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    const golden = v.golden as { identity: string; signed_sha256: string };
    assert.match(golden.identity, new RegExp(`-${golden.signed_sha256.slice(0, 16)}$`), v.name);
  }
});
