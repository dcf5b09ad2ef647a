// The pieces that make Python slot sources reproducible (src/python/reproducible.ts, compile.ts); the
// whole-package check is test/e2e/reproducible-python.test.ts.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compileTree } from '../../src/python/compile.js';
import { normalizeModes, normalizeRecord, scrubDistInfos } from '../../src/python/reproducible.js';
import { MACHINE_PYTHONS } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-repro-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('dist-info records', () => {
  test('RECORD: build-record lines dropped, lines sorted by path, one trailing newline', () => {
    const text = [
      'demo/z.py,sha256=zz,10',
      'demo-1.0.dist-info/uv_cache.json,sha256=t1,127',
      '"demo/a,b.py",sha256=ab,3',
      'demo-1.0.dist-info/RECORD,,',
      'demo-1.0.dist-info/direct_url.json,sha256=du,80\r',
      'demo/a.py,sha256=aa,5',
      '',
    ].join('\n');
    assert.equal(
      normalizeRecord(text, 'demo-1.0.dist-info'),
      'demo-1.0.dist-info/RECORD,,\n"demo/a,b.py",sha256=ab,3\ndemo/a.py,sha256=aa,5\ndemo/z.py,sha256=zz,10\n',
    );
  });

  test('scrubDistInfos removes uv_cache.json and direct_url.json from every dist-info', () => {
    const site = join(tmp, 'site');
    for (const name of ['app-1.0.dist-info', 'dep-2.0.dist-info']) {
      mkdirSync(join(site, name), { recursive: true });
      writeFileSync(join(site, name, 'uv_cache.json'), '{"timestamp":{"secs_since_epoch":1}}');
      writeFileSync(join(site, name, 'direct_url.json'), '{"url":"file:///tmp/build/app.whl"}');
      writeFileSync(join(site, name, 'INSTALLER'), 'uv');
      writeFileSync(
        join(site, name, 'RECORD'),
        `${name}/uv_cache.json,,\n${name}/INSTALLER,,\n${name}/direct_url.json,,\n${name}/RECORD,,\n`,
      );
    }
    return scrubDistInfos(site).then(() => {
      for (const name of ['app-1.0.dist-info', 'dep-2.0.dist-info']) {
        assert.deepEqual(readdirSync(join(site, name)).sort(), ['INSTALLER', 'RECORD']);
        assert.equal(
          readFileSync(join(site, name, 'RECORD'), 'utf8'),
          `${name}/INSTALLER,,\n${name}/RECORD,,\n`,
        );
      }
    });
  });
});

test('normalizeModes: 0644/0755 files and 0755 folders whatever the umask made', async () => {
  const dir = join(tmp, 'modes');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'a.py'), '');
  writeFileSync(join(dir, 'sub', 'tool'), '');
  chmodSync(join(dir, 'a.py'), 0o600);
  chmodSync(join(dir, 'sub', 'tool'), 0o700);
  chmodSync(join(dir, 'sub'), 0o700);
  await normalizeModes(dir);
  const mode = (p: string) => statSync(join(dir, p)).mode & 0o7777;
  assert.equal(mode('a.py'), 0o644);
  assert.equal(mode('sub/tool'), 0o755);
  assert.equal(mode('sub'), 0o755);
  assert.equal(mode('.'), 0o755);
});

// Before Python 3.11, marshal writes a frozenset constant (`x in {"a", "b"}`) in string-hash order, which
// depends on the per-process hash seed: compileTree must fix the seed.
const oldPython = MACHINE_PYTHONS.find((p) => /^3\.(8|9|10)\./.test(p.version));
test('compileTree output does not depend on the hash seed (Python < 3.11 frozensets)', {
  skip: oldPython ? false : 'no CPython 3.8–3.10 on this machine',
}, async () => {
  const digests = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const dir = join(tmp, `pyc-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'm.py'),
      'def f(x):\n    return x in {"alpha", "beta", "gamma", "delta", "eps", "zeta"}\n',
    );
    await compileTree(oldPython!.path, dir, 'm', () => {});
    const cache = join(dir, '__pycache__');
    assert.ok(existsSync(cache));
    const pyc = readdirSync(cache)[0]!;
    digests.add(
      createHash('sha256')
        .update(readFileSync(join(cache, pyc)))
        .digest('hex'),
    );
  }
  assert.equal(digests.size, 1, `${digests.size} different .pyc for the same source`);
});
