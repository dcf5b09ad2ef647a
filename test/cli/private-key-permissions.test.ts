// `flavor pack --private-key` refuses a key file others can access, or one in a folder everyone can write
// to, like ssh's "UNPROTECTED PRIVATE KEY FILE": exit 13 (KEY_UNPROTECTED), a `chmod` hint, no package
// written. FLAVOR_ALLOW_UNPROTECTED_KEY=1 packs anyway with a warning. `flavor keygen` writes keys `pack`
// accepts, and refuses a folder everyone can write to. (Before: every such key was used silently.)

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listDir, parseJson, runFlavor, tempDir, writeJson, writeLauncher } from '../helpers/cli.js';

let work: string;
let launcher: string;
let manifest: string;
let n = 0;

before(async () => {
  work = await tempDir('flavor-keyperm-');
  launcher = await writeLauncher(work);
  await fs.writeFile(path.join(work, 'f.txt'), 'f\n');
  manifest = await writeJson(path.join(work, 'm.json'), {
    package: { name: 'keyperm', version: '1' },
    execution: { command: '/bin/true' },
    slots: [{ id: 'f', source: 'f.txt', target: '{workenv}/f.txt' }],
  });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** A key made by `flavor keygen`, then chmod'ed: file `mode`, folder `folderMode`. */
async function key(mode: number, folderMode = 0o700): Promise<string> {
  const dir = path.join(work, `keys${n++}`);
  const r = await runFlavor(['keygen', '--out-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  const file = path.join(dir, 'flavor-private.key');
  await fs.chmod(file, mode);
  await fs.chmod(dir, folderMode);
  return file;
}

function pack(privateKey: string, env: Record<string, string> = {}, extra: string[] = []) {
  const output = path.join(work, `out${n++}`, 'p.psp');
  const args = [
    'pack',
    '-m',
    manifest,
    '-o',
    output,
    '--launcher-bin',
    launcher,
    '--private-key',
    privateKey,
  ];
  return runFlavor([...args, ...extra], { env }).then((r) => ({ ...r, output }));
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

describe('flavor pack --private-key', { concurrency: 4 }, () => {
  test('a keygen key (0600 in a 0700 folder) signs without a warning', async () => {
    const r = await pack(await key(0o600));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/);
  });

  for (const mode of [0o644, 0o640, 0o604]) {
    test(`a ${mode.toString(8)} key file is refused: exit 13, chmod 600 hint, nothing written`, async () => {
      const file = await key(mode);
      const r = await pack(file, {}, ['--json']);
      assert.equal(r.code, 13, r.stderr);
      assert.equal((parseJson(r.stdout).error as { code: string }).code, 'KEY_UNPROTECTED');
      assert.match(
        r.stderr,
        new RegExp(
          `^flavor: error: private key file is readable by (others|its group) \\(mode 0${mode.toString(8)}\\)`,
        ),
      );
      assert.ok(r.stderr.includes(`hint: chmod 600 '${file}'`), r.stderr);
      assert.equal(await exists(path.dirname(r.output)), false, 'pack wrote something');
    });
  }

  test('a 0600 key in a 0777 folder is refused with a chmod o-w hint', async () => {
    const file = await key(0o600, 0o777);
    const r = await pack(file);
    assert.equal(r.code, 13, r.stderr);
    assert.match(
      r.stderr,
      /flavor: error: the folder of the private key is writable by everyone \(mode 0777\)/,
    );
    assert.ok(r.stderr.includes(`hint: chmod o-w '${path.dirname(file)}'`), r.stderr);
    assert.equal(await exists(r.output), false);
  });

  test('FLAVOR_ALLOW_UNPROTECTED_KEY=1 packs anyway, with a warning per problem', async () => {
    const r = await pack(await key(0o644, 0o777), { FLAVOR_ALLOW_UNPROTECTED_KEY: '1' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /flavor: warning: private key file is readable by others/);
    assert.match(r.stderr, /flavor: warning: the folder of the private key is writable by everyone/);
    assert.ok(await exists(r.output));
    const other = await pack(await key(0o644), { FLAVOR_ALLOW_UNPROTECTED_KEY: 'yes' });
    assert.equal(other.code, 13, 'only "1" opens the escape hatch');
  });
});

describe('flavor keygen', () => {
  test('refuses a folder everyone can write to, writes nothing', async () => {
    const dir = path.join(work, 'open');
    await fs.mkdir(dir);
    await fs.chmod(dir, 0o777);
    const r = await runFlavor(['keygen', '--out-dir', dir]);
    assert.equal(r.code, 13, r.stderr);
    assert.match(r.stderr, /writable by everyone \(mode 0777\)/);
    assert.deepEqual(await listDir(dir), []);
  });

  test('creates its folder 0700 under any umask', async () => {
    for (const umask of [0o000, 0o022, 0o077]) {
      const dir = path.join(work, `fresh${n++}`);
      const r = await runFlavor(['keygen', '--out-dir', dir], { umask });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await fs.stat(dir)).mode & 0o7777, 0o700, `umask ${umask.toString(8)}`);
      assert.equal((await fs.stat(path.join(dir, 'flavor-private.key'))).mode & 0o7777, 0o600);
    }
  });
});
