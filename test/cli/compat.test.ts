// `flavor pack --compat upstream` and `--launcher-bin` with a launcher that is not ours, through the CLI.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runFlavor } from '../helpers/cli.js';

let dir: string;

before(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-cli-compat-')));
  await fs.mkdir(path.join(dir, 'app'));
  await fs.writeFile(path.join(dir, 'app', 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  // Stands in for upstream's Go launcher: an executable for this machine (pack refuses anything else)
  // carrying the PSPF format name and the tool name their binary carries, by which it is identified.
  await fs.writeFile(
    path.join(dir, 'flavor-go-launcher-0.5.4-linux_amd64'),
    Buffer.concat([await fs.readFile('/bin/true'), Buffer.from('\0flavor-go-launcher\0PSPF/2025\0')]),
  );
  const manifest = (operations: string) => ({
    package: { name: 'cc', version: '1' },
    execution: { command: '/bin/sh {workenv}/run.sh' },
    slots: [{ id: 'app', source: 'app', target: '{workenv}', operations }],
  });
  await fs.writeFile(path.join(dir, 'gz.json'), JSON.stringify(manifest('tar.gz')));
  await fs.writeFile(path.join(dir, 'zst.json'), JSON.stringify(manifest('tar.zst')));
  await fs.writeFile(path.join(dir, 'pyproject.toml'), '[project]\nname = "p"\nversion = "1"\n');
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const pack = (args: string[]) =>
  runFlavor(['pack', '--key-seed', 'k', '--no-verify', '-o', path.join(dir, 'out.psp'), ...args], {
    cwd: dir,
  });

test('a foreign --launcher-bin is named in a warning, with what it cannot decode', async () => {
  const r = await pack(['-m', 'zst.json', '--launcher-bin', 'flavor-go-launcher-0.5.4-linux_amd64']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /warning: --launcher-bin flavor-go-launcher-0\.5\.4-linux_amd64 is not FlavorPack's launcher \(detected: flavor-go-launcher 0\.5\.4\)/,
  );
  assert.match(r.stderr, /decode only tar and gzip: slot app \(tar\.zst\) will not extract/);
  assert.match(r.stdout + r.stderr, /hint: build with --compat upstream/);
});

test('--compat upstream refuses a chain their launchers cannot decode, and unknown modes', async () => {
  const zst = await pack(['-m', 'zst.json', '--compat', 'upstream']);
  assert.equal(zst.code, 15);
  assert.match(zst.stderr, /slots\[0\]\.operations: "tar\.zst" cannot be decoded by upstream's launchers/);
  assert.match(zst.stderr, /hint: use "tar\.gz"/);
  const bogus = await pack(['-m', 'gz.json', '--compat', 'theirs']);
  assert.equal(bogus.code, 2);
  assert.match(bogus.stderr, /--compat must be one of: upstream/);
  const python = await pack(['-m', 'pyproject.toml', '--compat', 'upstream', '--compression', 'zstd']);
  assert.equal(python.code, 2);
  assert.match(python.stderr, /--compat upstream needs gzip/);
});

test('--trust-key needs our launcher', async () => {
  const r = await pack([
    '-m',
    'gz.json',
    '--launcher-bin',
    'flavor-go-launcher-0.5.4-linux_amd64',
    '--trust-key',
    '11'.repeat(32),
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--trust-key needs FlavorPack's own launcher/);
});
