import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OP, ZSTD_FRAME_BYTES } from '../../src/payload/index.js';
import {
  decodeBuffer,
  encodeToBuffer,
  hasProgram,
  LONG_FILE,
  makeTree,
  rmrf,
  snapshot,
  tempDir,
} from './helpers/util.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('payload round trips', () => {
  let tmp: string;
  let tree: string;
  before(() => {
    tmp = tempDir();
    tree = join(tmp, 'tree');
    makeTree(tree);
  });
  after(() => rmrf(tmp));

  const dirChains: Array<[string, number[]]> = [
    ['tar', [OP.TAR]],
    ['tar.gz', [OP.TAR, OP.GZIP]],
    ['tar.zst', [OP.TAR, OP.ZSTD]],
  ];
  if (hasProgram('xz')) dirChains.push(['tar.xz', [OP.TAR, OP.XZ]]);
  if (hasProgram('bzip2')) dirChains.push(['tar.bz2', [OP.TAR, OP.BZIP2]]);

  for (const [name, chain] of dirChains) {
    it(`directory through ${name}`, async () => {
      const { bytes, originalSize } = await encodeToBuffer(tree, chain);
      const dest = join(tmp, `out-${name}`);
      const stats = await decodeBuffer(bytes, chain, dest, { storedSize: bytes.length });
      assert.deepEqual(snapshot(dest), snapshot(tree));
      assert.equal(readFileSync(join(dest, LONG_FILE), 'utf8'), 'long path\n');
      assert.equal(statSync(join(dest, 'run.sh')).mode & 0o777, 0o755);
      assert.equal(statSync(join(dest, 'private.txt')).mode & 0o777, 0o600);
      assert.equal(stats.entries, 13);
      assert.ok(originalSize % 512 === 0 && originalSize > 0);
      if (name === 'tar') assert.equal(originalSize, bytes.length);
    });
  }

  const fileChains: Array<[string, number[]]> = [
    ['raw', []],
    ['gzip', [OP.GZIP]],
    ['zstd', [OP.ZSTD]],
  ];
  if (hasProgram('xz')) fileChains.push(['xz', [OP.XZ]]);
  if (hasProgram('bzip2')) fileChains.push(['bzip2', [OP.BZIP2]]);
  for (const [name, chain] of fileChains) {
    it(`file through ${name}`, async () => {
      const src = join(tree, 'a/data.bin');
      const { bytes, originalSize } = await encodeToBuffer(src, chain);
      assert.equal(originalSize, 5000);
      const dest = join(tmp, `file-${name}`);
      const stats = await decodeBuffer(bytes, chain, dest, { mode: 0o751 });
      assert.deepEqual(readFileSync(dest), readFileSync(src));
      assert.equal(statSync(dest).mode & 0o777, 0o751);
      assert.deepEqual(stats, { outputBytes: 5000, entries: 1 });
      const empty = join(tmp, `empty-${name}`);
      const enc = await encodeToBuffer(join(tree, 'empty'), chain);
      await decodeBuffer(enc.bytes, chain, empty);
      assert.equal(readFileSync(empty).length, 0);
      assert.equal(statSync(empty).mode & 0o777, 0o600);
    });
  }

  it('writes multi-frame zstd that the zstd CLI reads', { skip: !hasProgram('zstd') }, async () => {
    const big = join(tmp, 'big.bin');
    const data = Buffer.alloc(2 * ZSTD_FRAME_BYTES + 123); // three frames on the WASM path
    for (let i = 0; i < data.length; i += 4096) data.write(`block ${i} `, i);
    writeFileSync(big, data);
    const { bytes } = await encodeToBuffer(big, [OP.ZSTD], { level: 1 });
    const viaCli = execFileSync('zstd', ['-dc'], { input: bytes, maxBuffer: 128 << 20 });
    assert.equal(sha(viaCli), sha(data));
    const dest = join(tmp, 'big.out');
    await decodeBuffer(bytes, [OP.ZSTD], dest);
    assert.equal(sha(readFileSync(dest)), sha(data));
  });

  it('writes gzip with a fixed header that gzip reads', async () => {
    const { bytes } = await encodeToBuffer(join(tree, 'a/data.bin'), [OP.GZIP], { level: 9 });
    assert.deepEqual([...bytes.subarray(0, 4)], [0x1f, 0x8b, 8, 0]);
    assert.equal(bytes.readUInt32LE(4), 0);
    assert.equal(bytes[9], 3);
    const again = await encodeToBuffer(join(tree, 'a/data.bin'), [OP.GZIP], { level: 9 });
    assert.deepEqual(again.bytes, bytes);
    const viaCli = execFileSync('gzip', ['-dc'], { input: bytes });
    assert.deepEqual(viaCli, readFileSync(join(tree, 'a/data.bin')));
  });

  it('reads xz and bzip2 written by the system tools', {
    skip: !hasProgram('xz') || !hasProgram('bzip2'),
  }, async () => {
    const tarFile = join(tmp, 'cli.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', tree, '.']);
    for (const [tool, op] of [
      ['xz', OP.XZ],
      ['bzip2', OP.BZIP2],
    ] as const) {
      const compressed = execFileSync(tool, ['-c', tarFile], { maxBuffer: 128 << 20 });
      const dest = join(tmp, `cli-${tool}`);
      await decodeBuffer(compressed, [OP.TAR, op], dest);
      assert.deepEqual(snapshot(dest), snapshot(tree));
      const single = join(tmp, `cli-${tool}.file`);
      await decodeBuffer(compressed, [op], single);
      assert.deepEqual(readFileSync(single), readFileSync(tarFile));
    }
  });

  it('reads GNU tar and zstd CLI archives (tar.zst, tar.gz)', { skip: !hasProgram('zstd') }, async () => {
    const tarFile = join(tmp, 'gnu.tar');
    execFileSync('tar', ['--format=gnu', '-cf', tarFile, '-C', tree, '.']);
    const zst = execFileSync('zstd', ['-19', '-c', tarFile], { maxBuffer: 128 << 20 });
    const dest = join(tmp, 'gnu-zst');
    await decodeBuffer(zst, [OP.TAR, OP.ZSTD], dest);
    assert.deepEqual(snapshot(dest), snapshot(tree));
    const pax = join(tmp, 'pax.tar');
    execFileSync('tar', ['--format=pax', '-czf', pax, '-C', tree, '.']);
    const dest2 = join(tmp, 'pax-gz');
    await decodeBuffer(readFileSync(pax), [OP.TAR, OP.GZIP], dest2);
    assert.deepEqual(snapshot(dest2), snapshot(tree));
  });

  it('produces tar that GNU tar and Python tarfile read', async () => {
    const { bytes } = await encodeToBuffer(tree, [OP.TAR], { mtime: 1700000000 });
    const file = join(tmp, 'ours.tar');
    writeFileSync(file, bytes);
    const listing = execFileSync('tar', ['-tvf', file], {
      env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8' },
    }).toString();
    assert.match(listing, /^-rwxr-xr-x 0\/0 +18 2023-11-14 22:13 run\.sh$/m);
    assert.match(listing, /^lrwxrwxrwx 0\/0 +0 .* link-to-data -> a\/data\.bin$/m);
    assert.ok(listing.includes(LONG_FILE));
    assert.ok(listing.includes('ünïcødé-名前.txt'));
    const gnuOut = join(tmp, 'gnu-extract');
    mkdirSync(gnuOut);
    execFileSync('tar', ['-xf', file, '-C', gnuOut]);
    assert.deepEqual(snapshot(gnuOut), snapshot(tree));
    const py = execFileSync('python3', [
      '-c',
      'import tarfile,sys,json\nt=tarfile.open(sys.argv[1])\nprint(json.dumps([[m.name,m.type.decode(),m.mode,m.uid,m.gid,m.uname,m.gname,m.mtime,m.size,m.linkname] for m in t.getmembers()]))',
      file,
    ]).toString();
    const members = JSON.parse(py) as Array<
      [string, string, number, number, number, string, string, number, number, string]
    >;
    const names = members.map((m) => m[0]);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    assert.ok(names.includes(LONG_FILE));
    assert.ok(names.indexOf('a') < names.indexOf('a/b'));
    for (const m of members) {
      assert.equal(m[3], 0);
      assert.equal(m[4], 0);
      assert.equal(m[5], '');
      assert.equal(m[6], '');
      assert.equal(m[7], 1700000000);
      assert.ok(!m[0].startsWith('./') && !m[0].startsWith('/'));
    }
    const run = members.find((m) => m[0] === 'run.sh');
    assert.equal(run?.[2], 0o755);
  });

  it('is byte-identical for differently created copies of a tree', async () => {
    const one = join(tmp, 'copy1');
    const two = join(tmp, 'copy2');
    const oldMask = process.umask(0o022);
    try {
      makeTree(one, 'forward');
      process.umask(0o077);
      makeTree(two, 'reverse');
    } finally {
      process.umask(oldMask);
    }
    utimesSync(join(two, 'run.sh'), new Date(5e11), new Date(9e11));
    utimesSync(join(one, 'a'), new Date(1e11), new Date(2e11));
    for (const chain of [[OP.TAR], [OP.TAR, OP.GZIP], [OP.TAR, OP.ZSTD]]) {
      const a = await encodeToBuffer(one, chain);
      const b = await encodeToBuffer(two, chain, {});
      assert.equal(sha(a.bytes), sha(b.bytes), `chain ${chain.join(',')}`);
    }
    const env = { ...process.env, TZ: 'Pacific/Kiritimati', LC_ALL: 'C' };
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${join(import.meta.dirname, 'helpers/util.ts')}').then(async (u) => { const r = await u.encodeToBuffer(process.argv[1], [1]); process.stdout.write(r.bytes.toString('hex').slice(0, 64) + require('node:crypto').createHash('sha256').update(r.bytes).digest('hex')); })`,
        one,
      ],
      { env, cwd: join(import.meta.dirname, '../..') },
    ).toString();
    const local = await encodeToBuffer(one, [OP.TAR]);
    assert.ok(out.endsWith(sha(local.bytes)), 'same bytes under another TZ/locale');
  });

  it('stores hard links as independent regular files and reports progress', async () => {
    const src = join(tmp, 'hard');
    mkdirSync(src);
    writeFileSync(join(src, 'one'), 'same content');
    linkSync(join(src, 'one'), join(src, 'two'));
    chmodSync(src, 0o755);
    let last = 0;
    const { bytes, originalSize } = await encodeToBuffer(src, [OP.TAR, OP.GZIP], {
      onProgress: (n) => {
        assert.ok(n >= last);
        last = n;
      },
    });
    assert.equal(last, originalSize);
    const listing = execFileSync('tar', ['-tvzf', '-'], { input: bytes }).toString();
    assert.match(listing, /^-rw.* one$/m);
    assert.match(listing, /^-rw.* two$/m);
    const dest = join(tmp, 'hard-out');
    await decodeBuffer(bytes, [OP.TAR, OP.GZIP], dest);
    assert.equal(readFileSync(join(dest, 'two'), 'utf8'), 'same content');
    assert.notEqual(statSync(join(dest, 'one')).ino, statSync(join(dest, 'two')).ino);
  });

  it('extracts into an existing empty folder and refuses a non-empty one without force', async () => {
    const { bytes } = await encodeToBuffer(tree, [OP.TAR]);
    const dest = join(tmp, 'existing');
    mkdirSync(dest);
    await decodeBuffer(bytes, [OP.TAR], dest);
    assert.deepEqual(snapshot(dest), snapshot(tree));
    const { rejectsWith } = await import('./helpers/util.js');
    await rejectsWith(decodeBuffer(bytes, [OP.TAR], dest), 'OUTPUT_EXISTS');
    await decodeBuffer(bytes, [OP.TAR], dest, { force: true });
    assert.deepEqual(snapshot(dest), snapshot(tree));
    const file = join(tmp, 'exists.bin');
    writeFileSync(file, 'x');
    await rejectsWith(decodeBuffer(Buffer.from('abc'), [], file), 'OUTPUT_EXISTS');
    assert.equal(readFileSync(file, 'utf8'), 'x');
    await decodeBuffer(Buffer.from('abc'), [], file, { force: true });
    assert.equal(readFileSync(file, 'utf8'), 'abc');
  });
});
