// Interoperability with the released original FlavorPack 0.5.4, both ways, against its real binaries
// (downloaded at test time by upstream.ts; docs/compat.md has the matrix this suite proves):
//   theirs → ours: packages from their Go and Rust builders pass our verify, inspect --json and
//                  extract-all, and run under our launcher (built in by their builder);
//   ours → theirs: our packages (their manifest with prepared slots, our folder manifest, examples/hello
//                  with --compat upstream) pass their Python verify/inspect/extract-all and run under
//                  their Go and Rust launchers — arguments, environment and exit codes;
//   tampered copies are refused by every side; their documented limits fail with their message.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT, runFlavor } from '../helpers/cli.js';
import { missing, TEST_PYTHON } from '../python/helpers.js';
import { ensureUpstream, type Upstream } from './upstream.js';

const OUR_LAUNCHER = path.join(REPO_ROOT, 'dist', 'launchers', 'flavor-launcher-linux_amd64');
/** The interpreter the Python tests pack with, whichever the machine has (test/python/helpers.ts). */
const PYTHON = (TEST_PYTHON ?? (missing('a CPython >= 3.9') as never)).path;
const BUILD_CACHE = path.join(REPO_ROOT, '.cache', 'test-build-cache');
const APP_SH = [
  '#!/bin/sh',
  'for a in "$@"; do echo "arg:[$a]"; done',
  'echo "GREETING=$GREETING"',
  'exit "$EXIT_CODE"',
  '',
].join('\n');
const NOTE = 'a note, stored gzip\n'.repeat(20);
const BUILDERS = ['go', 'rs'] as const;
type Side = (typeof BUILDERS)[number];

let up: Upstream;
let dir: string;
let runs = 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a package with a fresh cache (theirs key the workenv by file name) and quiet upstream logs. */
function runPackage(file: string, args: string[] = [], env: Record<string, string> = {}): Run {
  const cache = path.join(dir, `cache-${++runs}`);
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      HOME: path.join(dir, 'home'),
      XDG_CACHE_HOME: cache,
      FLAVOR_CACHE: cache,
      FLAVOR_LOG_LEVEL: 'error',
      EXIT_CODE: '0',
      ...env,
    },
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function runTheirs(args: string[]): Run {
  const r = spawnSync(up.flavor, args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, FLAVOR_LOG_LEVEL: 'error', NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Their builder (cwd = the fixture folder: they resolve sources against the CWD). */
function buildTheirs(side: Side, manifest: string, output: string, launcher: string): string {
  const builder = side === 'go' ? up.goBuilder : up.rsBuilder;
  const out = path.join(dir, output);
  execFileSync(
    builder,
    ['--manifest', manifest, '--output', out, '--launcher-bin', launcher, '--key-seed', 'interop'],
    { cwd: dir, env: { ...process.env, FLAVOR_LOG_LEVEL: 'error' }, stdio: 'pipe' },
  );
  return out;
}

async function packOurs(args: string[], output: string): Promise<string> {
  const out = path.join(dir, output);
  const r = await runFlavor(['pack', '-o', out, '--key-seed', 'interop', '-q', ...args], {
    cwd: dir,
    env: { FLAVOR_BUILD_CACHE: BUILD_CACHE },
    timeoutMs: 600_000,
  });
  assert.equal(r.code, 0, `flavor pack ${args.join(' ')} failed:\n${r.stderr}`);
  return out;
}

/** A copy with one byte flipped in the middle of slot 0's data, or of the compressed metadata. */
async function tampered(file: string, where: 'slot' | 'metadata'): Promise<string> {
  const bytes = Buffer.from(await fs.readFile(file));
  const index = bytes.length - 8196;
  const metadataOffset = Number(bytes.readBigUInt64LE(index + 24));
  const metadataSize = Number(bytes.readBigUInt64LE(index + 32));
  const table = Number(bytes.readBigUInt64LE(index + 40));
  const slotOffset = Number(bytes.readBigUInt64LE(table + 16));
  const slotSize = Number(bytes.readBigUInt64LE(table + 24));
  const at = where === 'slot' ? slotOffset + (slotSize >> 1) : metadataOffset + (metadataSize >> 1);
  bytes[at] = bytes[at]! ^ 0x01;
  const out = file.replace(/\.psp$/, `-tampered-${where}.psp`);
  await fs.writeFile(out, bytes, { mode: 0o755 });
  return out;
}

function assertRunsApp(r: Run, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stdout, /^arg:\[one\]\narg:\[two words\]\nGREETING=hello\n$/, what);
}

function assertRefused(r: Run, what: string): void {
  assert.notEqual(r.code, 0, `${what}: a tampered package must not run`);
  assert.doesNotMatch(r.stdout, /GREETING=|Hello/, `${what}: the app must not start`);
}

before(async () => {
  up = ensureUpstream();
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-interop-')));
  await fs.mkdir(path.join(dir, 'tree', 'bin'), { recursive: true });
  await fs.writeFile(path.join(dir, 'tree', 'bin', 'app.sh'), APP_SH, { mode: 0o755 });
  await fs.writeFile(path.join(dir, 'note.txt'), NOTE);
  await fs.writeFile(path.join(dir, 'note.txt.gz'), gzipSync(NOTE));
  execFileSync('tar', ['-czf', 'app.tar.gz', '-C', 'tree', '.'], { cwd: dir });
  // Their manifest: prepared slots (a .tar.gz and a .gz stored as-is), both env keys.
  const execution = {
    command: '/bin/sh {workenv}/bin/app.sh',
    env: { GREETING: 'hello' },
    environment: { GREETING: 'hello' },
  };
  await fs.writeFile(
    path.join(dir, 'theirs.json'),
    JSON.stringify({
      package: { name: 'interop', version: '1.0.0' },
      execution,
      slots: [
        { slot: 0, id: 'app', source: 'app.tar.gz', target: '{workenv}', operations: 'tgz', purpose: 'code' },
        {
          slot: 1,
          id: 'note',
          source: 'note.txt.gz',
          target: '{workenv}/note.txt',
          operations: 'gzip',
          permissions: '0644',
        },
      ],
    }),
  );
  // Our manifest: a folder and a plain file, encoded by us.
  const ours = (operations: string, source = 'tree') => ({
    package: { name: 'interop', version: '1.0.0' },
    execution,
    slots: [
      { id: 'app', source, target: '{workenv}', operations },
      { id: 'note', source: 'note.txt', target: '{workenv}/note.txt', operations: 'gzip' },
    ],
  });
  await fs.writeFile(path.join(dir, 'ours.json'), JSON.stringify(ours('tar.gz')));
  await fs.writeFile(path.join(dir, 'ours-zstd.json'), JSON.stringify(ours('tar.zst')));
  // Service mode (runtime.persistent/port) is ours: their launchers must ignore it and run in the foreground.
  const service = { ...ours('tar.gz'), runtime: { persistent: true, port: 8741 } };
  await fs.writeFile(path.join(dir, 'ours-service.json'), JSON.stringify(service));
  await fs.mkdir(path.join(dir, 'linked', 'bin'), { recursive: true });
  await fs.writeFile(path.join(dir, 'linked', 'bin', 'app.sh'), APP_SH, { mode: 0o755 });
  await fs.symlink('app.sh', path.join(dir, 'linked', 'bin', 'link.sh'));
  await fs.writeFile(path.join(dir, 'ours-symlink.json'), JSON.stringify(ours('tar.gz', 'linked')));
});

after(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('theirs → ours', () => {
  for (const side of BUILDERS) {
    test(`${side} builder + ${side} launcher: our verify, inspect --json and extract-all`, async () => {
      const pkg = buildTheirs(
        side,
        'theirs.json',
        `${side}-built.psp`,
        side === 'go' ? up.goLauncher : up.rsLauncher,
      );
      assert.equal(runTheirs(['verify', pkg]).code, 0, 'their own verify accepts it (baseline)');
      assertRunsApp(runPackage(pkg, ['one', 'two words']), `${side}-built under its own launcher (baseline)`);
      const verify = await runFlavor(['verify', pkg]);
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stdout, /interop 1\.0\.0: verified/);
      const inspect = await runFlavor(['inspect', '--json', pkg]);
      assert.equal(inspect.code, 0, inspect.stderr);
      const info = JSON.parse(inspect.stdout) as { package: { name: string }; slots: Array<{ id: string }> };
      assert.equal(info.package.name, 'interop');
      assert.deepEqual(
        info.slots.map((s) => s.id),
        ['app', 'note'],
      );
      const out = path.join(dir, `${side}-extracted`);
      const extract = await runFlavor(['extract-all', pkg, out]);
      assert.equal(extract.code, 0, extract.stderr);
      assert.equal(readFileSync(path.join(out, '00-app', 'bin', 'app.sh'), 'utf8'), APP_SH);
      assert.equal(readFileSync(path.join(out, '01-note'), 'utf8'), NOTE);
    });

    test(`${side} builder + our launcher: runs with arguments, environment and exit code; tampered refused`, async () => {
      const pkg = buildTheirs(side, 'theirs.json', `${side}-built-ours.psp`, OUR_LAUNCHER);
      assertRunsApp(runPackage(pkg, ['one', 'two words']), `${side}-built under our launcher`);
      assert.equal(runPackage(pkg, [], { EXIT_CODE: '7' }).code, 7, 'exit code passes through');
      for (const where of ['slot', 'metadata'] as const) {
        const bad = await tampered(pkg, where);
        assertRefused(runPackage(bad, ['one', 'two words']), `our launcher, ${where} tampered`);
        const verify = await runFlavor(['verify', bad]);
        assert.equal(verify.code, 11, `our verify, ${where} tampered: ${verify.stderr}`);
      }
    });
  }
});

test('their Rust builder with operations "tar.gz": refused by us and unusable by their own launcher', async () => {
  // Their Rust builder maps only "tgz", "tar", "gzip" and comma lists: "tar.gz" becomes operations 0 in
  // the descriptor while the signed metadata says "tar.gz". Their own Python maps "tar.gz" to TAR|GZIP.
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'theirs.json'), 'utf8'));
  manifest.slots[0].operations = 'tar.gz';
  await fs.writeFile(path.join(dir, 'theirs-targz.json'), JSON.stringify(manifest));
  const pkg = buildTheirs('rs', 'theirs-targz.json', 'rs-targz.psp', up.rsLauncher);
  const verify = await runFlavor(['verify', pkg]);
  assert.equal(verify.code, 10);
  assert.match(
    verify.stderr,
    /slot 0 \(app\): descriptor operations 0x0 differ from the signed metadata "tar\.gz"/,
  );
  assert.match(
    verify.stderr,
    /hint: .*Rust builder does this for operations "tar\.gz"\); rebuild it with "tgz"/,
  );
  const own = runPackage(pkg, ['one', 'two words']);
  assert.notEqual(own.code, 0, 'their Rust launcher cannot run it either');
  assert.match(own.stderr, /Is a directory/);
});

describe('ours → theirs', () => {
  for (const manifest of ['theirs.json', 'ours.json']) {
    test(`our build of ${manifest}: their verify, inspect and extract-all; tampered refused`, async () => {
      const pkg = await packOurs(['-m', manifest], `ours-${manifest.replace('.json', '')}.psp`);
      assertRunsApp(runPackage(pkg, ['one', 'two words']), `our build of ${manifest} under our launcher`);
      const verify = runTheirs(['verify', pkg]);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /Package: interop v1\.0\.0/);
      const inspect = runTheirs(['inspect', pkg]);
      assert.equal(inspect.code, 0, inspect.stderr);
      assert.match(inspect.stdout, /\[0\] app .*\[tar\.gz\]/);
      const out = path.join(dir, `theirs-extracted-${manifest}`);
      assert.equal(runTheirs(['extract-all', pkg, out]).code, 0);
      const files = await fs.readdir(out);
      assert.ok(files.includes('metadata.json') && files.length === 3, files.join(', '));
      for (const where of ['slot', 'metadata'] as const) {
        const r = runTheirs(['verify', await tampered(pkg, where)]);
        assert.notEqual(r.code, 0, `their verify accepted a ${where}-tampered package`);
      }
    });
  }

  test('a zstd package: their verify and inspect accept it, their extract-all leaves the slot compressed', async () => {
    const pkg = await packOurs(['-m', 'ours-zstd.json'], 'zstd-ours.psp');
    assert.equal(runTheirs(['verify', pkg]).code, 0);
    assert.equal(runTheirs(['inspect', pkg]).code, 0);
    const out = path.join(dir, 'theirs-extracted-zstd');
    assert.equal(runTheirs(['extract-all', pkg, out]).code, 0);
    const slot = await fs.readFile(path.join(out, '00_app'));
    assert.deepEqual([...slot.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'still a zstd frame');
  });

  for (const side of BUILDERS) {
    const launcher = () => (side === 'go' ? up.goLauncher : up.rsLauncher);

    test(`our builds of both manifests + their ${side} launcher: arguments, environment, exit code; tampered refused`, async () => {
      const prepared = await packOurs(
        ['-m', 'theirs.json', '--launcher-bin', launcher()],
        `prepared-${side}.psp`,
      );
      assertRunsApp(
        runPackage(prepared, ['one', 'two words']),
        `their manifest, our build, their ${side} launcher`,
      );
      const pkg = await packOurs(['-m', 'ours.json', '--launcher-bin', launcher()], `ours-${side}.psp`);
      assertRunsApp(runPackage(pkg, ['one', 'two words']), `ours under their ${side} launcher`);
      assert.equal(runPackage(pkg, [], { EXIT_CODE: '42' }).code, 42);
      for (const where of ['slot', 'metadata'] as const) {
        assertRefused(runPackage(await tampered(pkg, where)), `their ${side} launcher, ${where} tampered`);
      }
      const inspect = await runFlavor(['inspect', '--json', pkg]);
      const recorded = JSON.parse(inspect.stdout) as { launcher: { tool?: string } };
      assert.equal(recorded.launcher.tool, `flavor-${side}-launcher`, 'the launcher is recorded as theirs');
    });

    test(`examples/hello --compat upstream + their ${side} launcher runs the Python app`, async () => {
      const pkg = await packOurs(
        [
          '-m',
          path.join(REPO_ROOT, 'examples', 'hello', 'pyproject.toml'),
          '--python',
          PYTHON,
          '--compat',
          'upstream',
          '--launcher-bin',
          launcher(),
        ],
        `hello-${side}.psp`,
      );
      const inspected = JSON.parse((await runFlavor(['inspect', '--json', pkg])).stdout) as {
        requires: { glibc: string | null };
      };
      assert.match(String(inspected.requires.glibc), /^2\.\d+$/, 'the metadata carries compatibility.glibc');
      const r = runPackage(pkg, ['interop']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Hello, interop!$/m);
      assert.equal(runTheirs(['verify', pkg]).code, 0, 'their verify accepts the compat package');
      assert.equal(runTheirs(['inspect', pkg]).code, 0, 'their inspect reads compatibility.glibc');
      assertRefused(runPackage(await tampered(pkg, 'slot')), `hello under ${side}, slot tampered`);
    });

    test(`a service package (runtime.persistent, port) runs in the foreground under their ${side} launcher`, async () => {
      const pkg = await packOurs(
        ['-m', 'ours-service.json', '--launcher-bin', launcher()],
        `service-${side}.psp`,
      );
      assertRunsApp(runPackage(pkg, ['one', 'two words']), `service package under their ${side} launcher`);
      assert.equal(runTheirs(['verify', pkg]).code, 0, 'their verify accepts it');
    });

    test(`their ${side} launcher's documented limits: zstd and symlinks fail with their message`, async () => {
      const zstd = await packOurs(['-m', 'ours-zstd.json', '--launcher-bin', launcher()], `zstd-${side}.psp`);
      const z = runPackage(zstd);
      assert.notEqual(z.code, 0);
      assert.match(z.stderr, side === 'go' ? /operation ZSTD not yet implemented/ : /Unknown operation 27/);
      const linked = await packOurs(
        ['-m', 'ours-symlink.json', '--launcher-bin', launcher()],
        `link-${side}.psp`,
      );
      const l = runPackage(linked);
      assert.notEqual(l.code, 0);
      assert.match(
        l.stderr,
        side === 'go' ? /symlinks are not permitted in PSPF packages/ : /uses unsupported link type/,
      );
      // The same manifest with --compat upstream stores the link as a copy: it runs, under ours too.
      const fixed = await packOurs(
        ['-m', 'ours-symlink.json', '--compat', 'upstream', '--launcher-bin', launcher()],
        `link-compat-${side}.psp`,
      );
      assertRunsApp(
        runPackage(fixed, ['one', 'two words']),
        `symlink slot with --compat upstream under ${side}`,
      );
    });
  }
});
