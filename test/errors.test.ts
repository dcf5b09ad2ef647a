// errors.ts: every code has a category with an exit code; toFlavorError maps system errors and unknown
// throws; withPath / toJSON keep the contract.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ERROR_CODES,
  type ErrorCode,
  EXIT_CODES,
  FlavorError,
  isFlavorError,
  toFlavorError,
} from '../src/errors.js';

const sysError = (code: string, syscall = 'open', p?: string) =>
  Object.assign(new Error(`${code}: ${syscall}`), { code, syscall, ...(p ? { path: p } : {}) });

test('exit codes per category are the documented ones', () => {
  assert.deepEqual(EXIT_CODES, {
    internal: 1,
    usage: 2,
    io: 3,
    format: 10,
    integrity: 11,
    signature: 12,
    key: 13,
    payload: 14,
    build: 15,
    python: 16,
    cache: 17,
    service: 18,
    platform: 19,
  });
});

test('every code belongs to a category with an exit code; exit codes are distinct per category', () => {
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    const e = new FlavorError(code, 'x');
    assert.equal(e.category, ERROR_CODES[code]);
    assert.equal(typeof e.exitCode, 'number', code);
    assert.ok(e.exitCode >= 1 && e.exitCode <= 19, code);
  }
  assert.equal(new Set(Object.values(EXIT_CODES)).size, Object.keys(EXIT_CODES).length);
});

test('selected codes map to their exit codes', () => {
  const expect: Array<[ErrorCode, number]> = [
    ['INTERNAL', 1],
    ['USAGE', 2],
    ['NOT_FOUND', 3],
    ['OUTPUT_EXISTS', 3],
    ['BAD_START_MAGIC', 10],
    ['METADATA_CHECKSUM', 11],
    ['SLOT_CHECKSUM', 11],
    ['LAUNCHER_CHECKSUM', 11],
    ['SIGNATURE_INVALID', 12],
    ['UNTRUSTED_KEY', 12],
    ['KEY_EXISTS', 13],
    ['UNSAFE_PATH', 14],
    ['MANIFEST_INVALID', 15],
    ['PYTHON_NOT_FOUND', 16],
    ['CACHE_BUSY', 17],
    ['GLIBC_REQUIRED', 19],
  ];
  for (const [code, exit] of expect) assert.equal(new FlavorError(code, 'x').exitCode, exit, code);
});

test('toFlavorError: ENOENT → NOT_FOUND with the syscall path (or the given one)', () => {
  const a = toFlavorError(sysError('ENOENT', 'open', '/x/y'));
  assert.equal(a.code, 'NOT_FOUND');
  assert.equal(a.path, '/x/y');
  assert.equal(toFlavorError(sysError('ENOENT'), '/given').path, '/given');
  assert.ok(a.cause instanceof Error);
});

test('toFlavorError: EEXIST → OUTPUT_EXISTS with a --force hint; other errno → IO_ERROR naming syscall and code', () => {
  const e = toFlavorError(sysError('EEXIST', 'link', '/k'));
  assert.equal(e.code, 'OUTPUT_EXISTS');
  assert.match(e.hint ?? '', /--force/);
  const io = toFlavorError(sysError('EACCES', 'rename', '/r'));
  assert.equal(io.code, 'IO_ERROR');
  assert.equal(io.message, 'rename failed: EACCES');
  assert.equal(io.exitCode, 3);
});

test('toFlavorError: anything else is INTERNAL (a bug), with a hint to report it', () => {
  for (const thrown of [
    new TypeError('x is undefined'),
    new RangeError('bad'),
    'a string',
    42,
    undefined,
    { code: 'ENOENT' },
  ]) {
    const e = toFlavorError(thrown);
    assert.equal(e.code, 'INTERNAL', String(thrown));
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /^internal error: /);
    assert.match(e.hint ?? '', /bug/);
  }
});

test('toFlavorError keeps a FlavorError and adds a path only when it has none', () => {
  const e = new FlavorError('SLOT_CHECKSUM', 'bad slot', { details: { region: 'slot[0]' } });
  assert.equal(toFlavorError(e), e);
  const withPath = toFlavorError(e, '/p.psp');
  assert.equal(withPath.path, '/p.psp');
  assert.equal(withPath.code, 'SLOT_CHECKSUM');
  assert.deepEqual(withPath.details, { region: 'slot[0]' });
  assert.equal(withPath.stack, e.stack);
  assert.equal(toFlavorError(withPath, '/other').path, '/p.psp');
});

test('toJSON has only defined keys and no cause', () => {
  assert.deepEqual(new FlavorError('USAGE', 'bad').toJSON(), { code: 'USAGE', message: 'bad' });
  const full = new FlavorError('NOT_FOUND', 'gone', {
    hint: 'h',
    path: '/p',
    details: { a: 1 },
    cause: new Error('c'),
  });
  assert.deepEqual(full.toJSON(), {
    code: 'NOT_FOUND',
    message: 'gone',
    hint: 'h',
    path: '/p',
    details: { a: 1 },
  });
});

test('isFlavorError narrows by code', () => {
  const e = new FlavorError('KEY_EXISTS', 'x');
  assert.equal(isFlavorError(e), true);
  assert.equal(isFlavorError(e, 'KEY_EXISTS'), true);
  assert.equal(isFlavorError(e, 'KEY_INVALID'), false);
  assert.equal(isFlavorError(new Error('x')), false);
  assert.equal(e.name, 'FlavorError');
  assert.ok(e instanceof Error);
});
