// Reproducible Python packs: examples/cli (click + rich from PyPI) packed twice with the same key and
// SOURCE_DATE_EPOCH, from two copies of the project in different folders, with separate build caches
// (the runtime is built twice), separate uv caches (the wheels are downloaded twice), different umasks,
// time zones and locales, must give byte-identical packages. On a difference the test names the files.
// Needs the network (PyPI) and a CPython: under CI=true both are required.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, runFlavor } from '../helpers/cli.js';
import { missing, TEST_PYTHON } from '../python/helpers.js';

const skip = TEST_PYTHON ? false : missing('a CPython >= 3.9');
const EPOCH = '1767225600';
let root: string;
const outputs: string[] = [];

interface Variant {
  folder: string;
  umask: number;
  env: Record<string, string>;
}

const VARIANTS: Variant[] = [
  { folder: 'a/project', umask: 0o022, env: { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' } },
  {
    folder: 'somewhere else/much/deeper/cli-copy',
    umask: 0o077,
    env: { TZ: 'Pacific/Kiritimati', LANG: 'de_DE.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
  },
];

async function packVariant(v: Variant, i: number): Promise<string> {
  const project = path.join(root, v.folder);
  await fs.cp(path.join(REPO_ROOT, 'examples', 'cli'), project, {
    recursive: true,
    filter: (src) => !/[\\/](dist|build|[^\\/]*\.egg-info)$/.test(src),
  });
  const output = path.join(root, `out-${i}`, 'cli-demo.psp');
  const r = await runFlavor(
    ['pack', '--manifest', path.join(project, 'pyproject.toml'), '-o', output, '--key-seed', 'repro', '-q'],
    {
      env: {
        ...v.env,
        SOURCE_DATE_EPOCH: EPOCH,
        FLAVOR_BUILD_CACHE: path.join(root, `build-cache-${i}`),
        UV_CACHE_DIR: path.join(root, `uv-cache-${i}`),
        FLAVOR_CACHE: path.join(root, `cache-${i}`),
      },
      umask: v.umask,
      timeoutMs: 900_000,
    },
  );
  assert.equal(r.code, 0, `pack ${i} failed:\n${r.stderr}`);
  return output;
}

/** Files that differ between the two packages' slots (for the failure message). */
async function differences(a: string, b: string): Promise<string[]> {
  const dirs = [path.join(root, 'x-a'), path.join(root, 'x-b')];
  for (const [pkg, dir] of [
    [a, dirs[0]!],
    [b, dirs[1]!],
  ] as const) {
    const r = await runFlavor(['extract-all', pkg, dir]);
    assert.equal(r.code, 0, r.stderr);
  }
  const list = async (dir: string) =>
    ((await fs.readdir(dir, { recursive: true })) as string[]).filter((n) => !n.endsWith('/')).sort();
  const [la, lb] = await Promise.all(dirs.map(list));
  const out = [...new Set([...la!, ...lb!])].filter((n) => !la!.includes(n) || !lb!.includes(n));
  for (const name of la!.filter((n) => lb!.includes(n))) {
    const [sa, sb] = await Promise.all(dirs.map((d) => fs.lstat(path.join(d, name))));
    if (!sa!.isFile() || !sb!.isFile()) continue;
    const [ca, cb] = await Promise.all(dirs.map((d) => fs.readFile(path.join(d, name))));
    if (!ca!.equals(cb!) || sa!.mode !== sb!.mode) out.push(name);
  }
  return out;
}

before(async () => {
  if (skip) return;
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-repro-python-'));
  for (const [i, v] of VARIANTS.entries()) outputs.push(await packVariant(v, i));
});

after(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('examples/cli packed twice (other folder, caches, umask, TZ, locale) is byte-identical', {
  skip,
}, async () => {
  const [a, b] = await Promise.all(outputs.map((o) => fs.readFile(o)));
  if (sha(a!) !== sha(b!)) {
    const files = await differences(outputs[0]!, outputs[1]!);
    assert.fail(
      `the packages differ in ${files.length} slot files (content or mode): ${files.slice(0, 20).join(', ')}`,
    );
  }
  assert.equal(a!.length, b!.length);
});

test('the package names none of the build folders', { skip }, async () => {
  const bytes = await fs.readFile(outputs[0]!);
  assert.equal(bytes.includes(Buffer.from(root)), false, `the package contains ${root}`);
  const r = await runFlavor(['extract-all', outputs[1]!, path.join(root, 'x-check')]);
  assert.equal(r.code, 0, r.stderr);
  const hits: string[] = [];
  for (const name of (await fs.readdir(path.join(root, 'x-check'), { recursive: true })) as string[]) {
    const file = path.join(root, 'x-check', name);
    if (!(await fs.lstat(file)).isFile()) continue;
    const content = await fs.readFile(file);
    if (content.includes(Buffer.from(root)) || content.includes(Buffer.from('flavor-pack-'))) hits.push(name);
  }
  assert.deepEqual(hits, [], 'slot files that name a build or temporary folder');
  for (const name of (await fs.readdir(path.join(root, 'x-check'), { recursive: true })) as string[]) {
    assert.ok(!/(^|\/)(uv_cache|direct_url)\.json$/.test(name), `${name} records the build machine`);
  }
});
