// Hostile archives: each must be refused with the right code, nothing may appear outside the
// destination, and nothing may be left inside it.

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OP } from '../../src/payload/index.js';
import { buildTar, type RawEntry } from './helpers/tar-builder.js';
import { decodeBuffer, exists, rejectsWith, rmrf, snapshot, tempDir } from './helpers/util.js';

interface Case {
  name: string;
  entries?: RawEntry[];
  archive?: () => Buffer;
  code: string;
  maxOutputBytes?: number;
}

const long300 = `${'x'.repeat(100)}/${'y'.repeat(100)}/${'z'.repeat(98)}`;

const cases: Case[] = [
  { name: 'parent traversal', entries: [{ name: '../evil', data: 'x' }], code: 'UNSAFE_PATH' },
  { name: 'nested traversal', entries: [{ name: 'a/../../evil', data: 'x' }], code: 'UNSAFE_PATH' },
  {
    name: 'traversal via PAX path',
    entries: [{ name: 'ok', pax: { path: '../evil' }, data: 'x' }],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'traversal via GNU long name',
    entries: [{ name: 'ok', gnuLongName: '../../evil', data: 'x' }],
    code: 'UNSAFE_PATH',
  },
  { name: 'absolute name', entries: [{ name: '/tmp/flavor-evil', data: 'x' }], code: 'UNSAFE_PATH' },
  { name: 'drive letter', entries: [{ name: 'C:/evil', data: 'x' }], code: 'UNSAFE_PATH' },
  { name: 'backslash (UNC)', entries: [{ name: '\\\\server\\share\\evil', data: 'x' }], code: 'UNSAFE_PATH' },
  { name: 'backslash traversal', entries: [{ name: '..\\evil', data: 'x' }], code: 'UNSAFE_PATH' },
  {
    name: 'NUL in PAX path',
    entries: [{ name: 'ok', pax: { path: 'a\0b' }, data: 'x' }],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'file through an extracted symlink',
    entries: [
      { name: 'sub/', type: '5', mode: 0o755 },
      { name: 'l', type: '2', linkname: 'sub' },
      { name: 'l/f', data: 'x' },
    ],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'file through a symlink to the root',
    entries: [
      { name: 'l', type: '2', linkname: '.' },
      { name: 'l/f', data: 'x' },
    ],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'symlink pointing out',
    entries: [{ name: 'l', type: '2', linkname: '../outside' }],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'deep symlink pointing out',
    entries: [{ name: 'a/b/l', type: '2', linkname: '../../../x' }],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'absolute symlink',
    entries: [{ name: 'l', type: '2', linkname: '/etc/passwd' }],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'symlink escaping through another symlink',
    entries: [
      { name: 'c', type: '2', linkname: '.' },
      { name: 'b', type: '2', linkname: 'c/..' },
    ],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'file below a file',
    entries: [
      { name: 'a', data: 'x' },
      { name: 'a/b', data: 'y' },
    ],
    code: 'UNSAFE_PATH',
  },
  {
    name: '300-byte component',
    entries: [{ name: 'ok', pax: { path: 'q'.repeat(300) }, data: 'x' }],
    code: 'UNSAFE_PATH',
  },
  {
    name: 'hard link',
    entries: [
      { name: 'f', data: 'x' },
      { name: 'h', type: '1', linkname: 'f' },
    ],
    code: 'UNSAFE_ENTRY',
  },
  { name: 'character device', entries: [{ name: 'tty', type: '3' }], code: 'UNSAFE_ENTRY' },
  { name: 'block device', entries: [{ name: 'sda', type: '4' }], code: 'UNSAFE_ENTRY' },
  { name: 'FIFO', entries: [{ name: 'fifo', type: '6' }], code: 'UNSAFE_ENTRY' },
  { name: 'contiguous file', entries: [{ name: 'c', type: '7', data: 'x' }], code: 'UNSAFE_ENTRY' },
  { name: 'GNU sparse', entries: [{ name: 's', type: 'S', data: 'x' }], code: 'UNSAFE_ENTRY' },
  { name: 'unknown type', entries: [{ name: 'u', type: 'Q', data: 'x' }], code: 'UNSAFE_ENTRY' },
  {
    name: 'duplicate file',
    entries: [
      { name: 'f', data: 'x' },
      { name: 'f', data: 'y' },
    ],
    code: 'UNSAFE_ENTRY',
  },
  {
    name: 'duplicate via normalisation',
    entries: [
      { name: 'd/f', data: 'x' },
      { name: './d//f', data: 'y' },
    ],
    code: 'UNSAFE_ENTRY',
  },
  {
    name: 'file replacing a folder',
    entries: [
      { name: 'd/', type: '5' },
      { name: 'd', data: 'y' },
    ],
    code: 'UNSAFE_ENTRY',
  },
  {
    name: 'symlink then file of same name',
    entries: [
      { name: 'l', type: '2', linkname: 'x' },
      { name: 'l', data: 'y' },
    ],
    code: 'UNSAFE_ENTRY',
  },
  {
    name: 'entry larger than the data',
    archive: () => buildTar([{ name: 'f', size: 100_000, data: 'short' }], { end: false }),
    code: 'PAYLOAD_CORRUPT',
  },
  {
    name: 'truncated archive',
    archive: () =>
      buildTar([
        { name: 'a', data: 'x'.repeat(2000) },
        { name: 'b', data: 'y' },
      ]).subarray(0, 1300),
    code: 'PAYLOAD_CORRUPT',
  },
  {
    name: 'missing end marker',
    archive: () => buildTar([{ name: 'a', data: 'x' }], { end: false }),
    code: 'PAYLOAD_CORRUPT',
  },
  {
    name: 'bad header checksum',
    entries: [{ name: 'a', data: 'x', badChecksum: true }],
    code: 'PAYLOAD_CORRUPT',
  },
  {
    name: 'declared size above the cap',
    entries: [{ name: 'huge', pax: { size: String(2 ** 40) }, data: '' }],
    code: 'PAYLOAD_TOO_LARGE',
    maxOutputBytes: 1 << 20,
  },
];

describe('hostile tar archives', () => {
  let tmp: string;
  before(() => {
    tmp = tempDir();
  });
  after(() => rmrf(tmp));

  for (const c of cases) {
    for (const mode of ['new', 'existing'] as const) {
      it(`${c.name} (${mode} destination) → ${c.code}`, async () => {
        const sandbox = join(tmp, `${c.name.replace(/\W+/g, '-')}-${mode}`);
        mkdirSync(join(sandbox, 'outside'), { recursive: true });
        writeFileSync(join(sandbox, 'outside', 'keep.txt'), 'keep');
        const dest = join(sandbox, 'dest');
        if (mode === 'existing') mkdirSync(dest);
        const before = snapshot(sandbox);
        const archive = c.archive ? c.archive() : buildTar(c.entries ?? []);
        await rejectsWith(
          decodeBuffer(archive, [OP.TAR], dest, { maxOutputBytes: c.maxOutputBytes }),
          c.code,
        );
        assert.deepEqual(snapshot(sandbox), before, 'nothing written, nothing left behind');
        assert.ok(!exists('/tmp/flavor-evil'));
        if (mode === 'new') assert.ok(!exists(dest));
        else assert.deepEqual(readdirSync(dest), []);
      });
    }
  }

  it('refuses writing through a symlink already present in the destination (force)', async () => {
    const sandbox = join(tmp, 'preexisting-link');
    mkdirSync(join(sandbox, 'outside'), { recursive: true });
    mkdirSync(join(sandbox, 'dest'));
    symlinkSync('../outside', join(sandbox, 'dest', 'l'));
    const before = snapshot(sandbox);
    await rejectsWith(
      decodeBuffer(buildTar([{ name: 'l/evil', data: 'x' }]), [OP.TAR], join(sandbox, 'dest'), {
        force: true,
      }),
      'UNSAFE_PATH',
    );
    assert.deepEqual(snapshot(sandbox), before);
    // replacing the symlink itself by a file is allowed with force and does not follow it
    await decodeBuffer(buildTar([{ name: 'l', data: 'x' }]), [OP.TAR], join(sandbox, 'dest'), {
      force: true,
    });
    assert.equal(snapshot(sandbox)['dest/l'], 'file:1:644');
    assert.deepEqual(readdirSync(join(sandbox, 'outside')), []);
  });

  it('stops a tar.gz bomb at the cap and leaves nothing', async () => {
    const sandbox = join(tmp, 'bomb');
    mkdirSync(sandbox);
    const bomb = gzipSync(buildTar([{ name: 'zeros', data: Buffer.alloc(10 * 1024 * 1024) }]), { level: 9 });
    assert.ok(bomb.length < 64 * 1024);
    await rejectsWith(
      decodeBuffer(bomb, [OP.TAR, OP.GZIP], join(sandbox, 'dest'), { maxOutputBytes: 1024 * 1024 }),
      'PAYLOAD_TOO_LARGE',
    );
    assert.deepEqual(readdirSync(sandbox), []);
  });

  it('accepts legitimate edge cases: 300-char path, GNU long names, global headers, ./ prefixes', async () => {
    const dest = join(tmp, 'legit');
    const archive = buildTar([
      { name: 'pax_global_header', type: 'g', data: '20 comment=whatever\n' },
      { name: './', type: '5', mode: 0o755 },
      { name: 'ok', pax: { path: long300 }, data: 'pax' },
      { name: 'ok2', gnuLongName: `${long300}-gnu`, data: 'gnu' },
      { name: './dir/', type: '5', mode: 0o700 },
      { name: 'dir/rel', type: '2', pax: { linkpath: `../${long300}` } },
      { name: 'dir/exe', data: '#!/bin/sh\n', mode: 0o4755 },
    ]);
    const stats = await decodeBuffer(archive, [OP.TAR], dest);
    const snap = snapshot(dest);
    assert.equal(snap[long300], 'file:3:644');
    assert.equal(snap[`${long300}-gnu`], 'file:3:644');
    assert.equal(snap['dir'], 'dir:700');
    assert.equal(snap['dir/exe'], 'file:10:755', 'setuid bit dropped');
    assert.equal(snap['dir/rel'], `link:../${long300}`);
    assert.equal(stats.entries, 6);
    assert.equal(stats.outputBytes, 16);
  });
});
