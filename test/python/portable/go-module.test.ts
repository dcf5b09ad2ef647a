import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isFlavorError } from '../../../src/errors.js';
import { fetchGoModuleSource, unpackModuleZip } from '../../../src/python/portable/go-module.js';
import { type GoModulePin, isGoModulePin, PYTHON_SOURCES } from '../../../src/python/portable/pins.js';
import { ensureSources, sha256OfFile } from '../../../src/python/portable/sources.js';
import { TEST_RUNTIME_CACHE } from '../../helpers/cli.js';

const quiet = () => {};
const tmp: string[] = [];
after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'flavor-gomod-'));
  tmp.push(d);
  return d;
};

const pin: GoModulePin = {
  name: 'demo',
  goModule: { path: 'example.com/demo', version: 'v1.0.0', h1: 'h1:unused' },
  file: 'demo-1.0.0.tar',
  sha256: '0'.repeat(64),
};

/** A zip with these members (name → text), made by Python's zipfile (deflated). */
function zipOf(members: Record<string, string>): Buffer {
  const out = join(scratch(), 'm.zip');
  const script =
    'import json,sys,zipfile\n' +
    'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n' +
    '    for k, v in json.loads(sys.argv[2]).items(): z.writestr(k, v)\n';
  const r = spawnSync('python3', ['-c', script, out, JSON.stringify(members)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out);
}

const checksumError = (re: RegExp) => (e: unknown) =>
  isFlavorError(e) && e.code === 'TOOL_CHECKSUM' && re.test(e.message);

test('a module zip unpacks under one folder: scripts ("#!") 0755, other files 0644, folders 0755', async () => {
  const into = join(scratch(), 'tree', 'demo');
  const p = 'example.com/demo@v1.0.0/';
  const count = await unpackModuleZip(
    zipOf({ [`${p}configure`]: '#!/bin/sh\necho hi\n', [`${p}Lib/os.py`]: 'import sys\n' }),
    pin,
    into,
  );
  assert.equal(count, 2);
  assert.equal(statSync(join(into, 'configure')).mode & 0o777, 0o755);
  assert.equal(statSync(join(into, 'Lib', 'os.py')).mode & 0o777, 0o644);
  assert.equal(statSync(join(into, 'Lib')).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(into, 'Lib', 'os.py'), 'utf8'), 'import sys\n');
});

test('a member outside the module folder, with "..", or an empty zip is refused (TOOL_CHECKSUM)', async () => {
  const into = join(scratch(), 'tree');
  const p = 'example.com/demo@v1.0.0/';
  await assert.rejects(
    unpackModuleZip(zipOf({ [`${p}../escape`]: 'x' }), pin, into),
    checksumError(/unsafe name/),
  );
  await assert.rejects(
    unpackModuleZip(zipOf({ 'other@v1/x': 'x' }), pin, into),
    checksumError(/unsafe name/),
  );
  await assert.rejects(unpackModuleZip(zipOf({}), pin, into), checksumError(/empty/));
  assert.equal(existsSync(join(into, '..', 'escape')), false);
});

const goPins = Object.entries(PYTHON_SOURCES).filter(([, p]) => isGoModulePin(p)) as [
  string,
  GoModulePin & { version: string },
][];

test('a module whose hash is not the pinned one is refused, and nothing stays in the sources folder', async () => {
  const [, real] = goPins[0]!;
  const dir = scratch();
  const wrong = {
    ...real,
    goModule: { ...real.goModule, h1: 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
  };
  await assert.rejects(
    fetchGoModuleSource(dir, wrong, { log: quiet }),
    checksumError(/does not match its pin/),
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('the Go-module CPython sources fetch, verify and convert to exactly the pinned tar', async () => {
  // Into the tests' runtime cache, like the Debian sources the set-up fetches: the tar made here, on
  // whatever machine runs this, must hash to the pin (the conversion is deterministic).
  const dir = join(TEST_RUNTIME_CACHE, 'sources');
  await ensureSources(
    dir,
    goPins.map(([, p]) => p),
    { log: quiet },
  );
  for (const [minor, p] of goPins) {
    assert.equal(await sha256OfFile(join(dir, p.file)), p.sha256, `${minor}: ${p.file}`);
    const listing = spawnSync('tar', ['-tf', join(dir, p.file), '--wildcards', '*/configure'], {
      encoding: 'utf8',
    });
    assert.equal(listing.status, 0, listing.stderr);
  }
  assert.ok(goPins.length >= 2, 'CPython 3.11 and 3.12 come from the Go module proxy');
});
