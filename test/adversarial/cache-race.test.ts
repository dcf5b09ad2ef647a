// A second local user races the victim's launches (issue 11, finding 3; docs/security.md "The cache").
//
// The attacker (uid ATTACKER) swaps directories with renameat2(RENAME_EXCHANGE) in a tight loop while the
// victim (uid VICTIM) launches a package again and again. The attacker's swap-in is a forged cache: a copy
// of the victim's installed workenv (the ready marker is public data) whose run.sh prints "PWNED". A launch
// that prints it is a win for the attacker. Three configurations:
//
//   A. the cache root sits in a folder the attacker owns: the launcher must refuse it (CACHE_UNSAFE naming
//      that folder) on every launch, and nothing the attacker planted runs;
//   B. the cache path goes through the attacker's symbolic link in a sticky world-writable folder, which
//      the attacker flips between the victim's real folder and its own: refused likewise;
//   C. the cache root sits in a root-owned sticky world-writable folder (the XDG_CACHE_HOME=/tmp/… case):
//      accepted; the attacker tries to exchange the victim's root with its forged one and the kernel refuses
//      every attempt (sticky bit); every launch runs the genuine app.
//
// Users are numeric uids through setpriv (no passwd entry needed); the attacker is the small Go program
// launcher/internal/testtools/renameexchange, built at test time. CI runs as root; elsewhere the test is
// skipped unless CI=true. Default: 500 launches in C, 150 each in A and B (about 25 s alone);
// FLAVOR_RACE_LAUNCHES=N runs N in each (a long run: 5000). FLAVOR_RACE_LAUNCHER=<binary> races another
// launcher build (e.g. one from an older commit): the launcher before issue 11 fails A and B with wins.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  APP_SCRIPT,
  appPackage,
  type LaunchResult,
  launch,
  launcherErrorCode,
  writePackage,
} from '../helpers/adversarial.js';
import { REPO_ROOT, tempDir } from '../helpers/cli.js';

const VICTIM = 64101;
const ATTACKER = 64102;
const LONG = process.env.FLAVOR_RACE_LAUNCHES;
/** Launches in C, where the launcher accepts the root and a win would run the attacker's code. */
const LAUNCHES = Number(LONG ?? 500);
/** Launches in A and B, which are refused before anything is read (main's launcher loses ~1 in 6 there). */
const REFUSED_LAUNCHES = LONG ? LAUNCHES : 150;
const PARALLEL = 3;
const isRoot = process.getuid?.() === 0;
const skip = !isRoot && process.env.CI !== 'true' ? 'needs root to create the two users’ folders' : false;

let work: string;
let pkg: string;
let exchanger: string;

interface Tally {
  launches: number;
  genuine: number;
  pwned: number;
  refused: Map<string, number>;
  other: string[];
}

interface AttackerReport {
  exchanged: number;
  refused: number;
  errors: Record<string, number>;
}

/** Installs the package as the victim into a fresh safe cache and returns that cache's path. */
async function installedCache(name: string): Promise<string> {
  const cache = path.join(work, `${name}-stage`);
  await fs.mkdir(cache, { mode: 0o700 });
  await fs.chown(cache, VICTIM, VICTIM);
  const r = await launch(pkg, { cache, home: work, asUser: VICTIM });
  assert.equal(r.stdout, 'genuine data\n', `installing as the victim failed: ${r.stderr}`);
  return cache;
}

/** The attacker's forged cache: the victim's tree and marker, run.sh replaced, all owned by the attacker. */
async function forgedCopy(real: string, to: string): Promise<void> {
  await fs.cp(real, to, { recursive: true });
  const wdir = path.join(to, 'workenv');
  for (const name of await fs.readdir(wdir)) {
    const p = path.join(wdir, name);
    if ((await fs.lstat(p)).isDirectory()) {
      await fs.writeFile(path.join(p, 'run.sh'), '#!/bin/sh\necho "PWNED uid=$(id -u)"\n', { mode: 0o755 });
    }
  }
  execFileSync('chown', ['-R', `${ATTACKER}:${ATTACKER}`, to]);
  execFileSync('chmod', ['-R', 'a+rX', to]);
  for (const name of await fs.readdir(wdir)) {
    if (name.endsWith('.lock')) await fs.chmod(path.join(wdir, name), 0o666);
  }
}

/** Starts the attacker swapping each [a, b] pair; resolves once it runs. */
async function startAttacker(stop: string, pairs: [string, string][]): Promise<ChildProcess> {
  const child = spawn(
    'setpriv',
    [`--reuid=${ATTACKER}`, `--regid=${ATTACKER}`, '--clear-groups', exchanger, stop, ...pairs.flat()],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => reject(new Error(`the attacker exited (${code}) before it started`)));
    child.stdout!.once('data', (d: Buffer) =>
      d.toString().startsWith('ready') ? resolve() : reject(new Error(`attacker: ${d}`)),
    );
  });
  return child;
}

async function stopAttacker(child: ChildProcess, stop: string): Promise<AttackerReport> {
  const out: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  // Listen before the stop file exists: the attacker sees it as soon as writeFile has opened it and may
  // exit (and 'close' fire) before writeFile's own write and close steps have finished.
  const closed = new Promise((resolve) => child.once('close', resolve));
  await fs.writeFile(stop, '');
  await closed;
  return JSON.parse(Buffer.concat(out).toString().trim()) as AttackerReport;
}

function count(t: Tally, r: LaunchResult): void {
  t.launches++;
  if (r.stdout.includes('PWNED')) t.pwned++;
  else if (r.code === 0 && r.stdout === 'genuine data\n') t.genuine++;
  else if (r.code === 106) {
    const code = launcherErrorCode(r.stderr) ?? '?';
    t.refused.set(code, (t.refused.get(code) ?? 0) + 1);
  } else if (t.other.length < 5) t.other.push(`exit ${r.code}: ${r.stdout}${r.stderr}`);
}

/** Launches the victim `launches` times (PARALLEL at a time) while the attacker swaps the pairs. */
async function race(
  label: string,
  launches: number,
  cache: string,
  pairs: [string, string][],
): Promise<{ tally: Tally; attacker: AttackerReport }> {
  const stop = path.join(work, `stop-${label}`);
  const child = await startAttacker(stop, pairs);
  const tally: Tally = { launches: 0, genuine: 0, pwned: 0, refused: new Map(), other: [] };
  let attacker: AttackerReport;
  try {
    for (let done = 0; done < launches; done += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, launches - done) }, () =>
        launch(pkg, { cache, home: work, asUser: VICTIM }),
      );
      for (const r of await Promise.all(batch)) count(tally, r);
    }
  } finally {
    attacker = await stopAttacker(child, stop);
  }
  console.log(
    `# ${label}: ${tally.launches} launches, ${tally.pwned} attacker wins, ${tally.genuine} genuine, ` +
      `refused ${JSON.stringify(Object.fromEntries(tally.refused))}; attacker: ${attacker.exchanged} exchanges, ` +
      `${attacker.refused} refused ${JSON.stringify(attacker.errors)}`,
  );
  return { tally, attacker };
}

before(async () => {
  if (skip) return;
  work = await tempDir('flavor-adv-race-');
  await fs.chmod(work, 0o755);
  // The attacker: launcher/internal/testtools/renameexchange, built where both users can run it.
  exchanger = path.join(work, 'renameexchange');
  execFileSync('go', ['build', '-o', exchanger, './internal/testtools/renameexchange'], {
    cwd: path.join(REPO_ROOT, 'launcher'),
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  const launcher = process.env.FLAVOR_RACE_LAUNCHER;
  const options = launcher ? { launcher: new Uint8Array(readFileSync(launcher)) } : {};
  pkg = await writePackage(path.join(work, 'app.psp'), appPackage({ ...options, script: APP_SCRIPT }));
});

after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe(`a second user racing the victim's launches with RENAME_EXCHANGE never wins`, { skip }, () => {
  test('A: cache root in a folder the attacker owns is refused every time', async () => {
    const real = await installedCache('A');
    const owned = path.join(work, 'A-attacker');
    await fs.mkdir(owned, { mode: 0o755 });
    await fs.chown(owned, ATTACKER, ATTACKER);
    const cache = path.join(owned, 'cache');
    await forgedCopy(real, path.join(owned, 'forged'));
    await fs.rename(real, cache);
    const { tally } = await race('A', REFUSED_LAUNCHES, cache, [[cache, path.join(owned, 'forged')]]);
    assert.equal(tally.pwned, 0, 'the attacker’s code ran as the victim');
    assert.deepEqual(tally.other, []);
    assert.equal(
      tally.refused.get('CACHE_UNSAFE'),
      REFUSED_LAUNCHES,
      'a root below the attacker’s folder was accepted',
    );
    const r = await launch(pkg, { cache, home: work, asUser: VICTIM });
    assert.match(
      r.stderr,
      new RegExp(`the folder ${owned} above it is owned by another user \\(uid ${ATTACKER}\\)`),
    );
    assert.match(
      r.stderr,
      new RegExp(`hint: set FLAVOR_CACHE to a folder that only you can change, or fix ${owned}`),
    );
  });

  test('B: a cache path through the attacker’s symbolic link in a sticky folder is refused every time', async () => {
    const sticky = path.join(work, 'B-sticky');
    await fs.mkdir(sticky);
    await fs.chmod(sticky, 0o1777);
    const real = await installedCache('B');
    const home = path.join(sticky, 'victim-home');
    await fs.mkdir(home, { mode: 0o755 });
    await fs.chown(home, VICTIM, VICTIM);
    await fs.rename(real, path.join(home, 'cache'));
    const evil = path.join(sticky, 'evil-home');
    await fs.mkdir(evil, { mode: 0o755 });
    await forgedCopy(path.join(home, 'cache'), path.join(evil, 'cache'));
    await fs.chown(evil, ATTACKER, ATTACKER);
    const link = path.join(sticky, 'link');
    const link2 = path.join(sticky, 'link2');
    await fs.symlink(home, link);
    await fs.symlink(evil, link2);
    await fs.lchown(link, ATTACKER, ATTACKER);
    await fs.lchown(link2, ATTACKER, ATTACKER);
    const { tally } = await race('B', REFUSED_LAUNCHES, path.join(link, 'cache'), [[link, link2]]);
    assert.equal(tally.pwned, 0, 'the attacker’s code ran as the victim');
    assert.deepEqual(tally.other, []);
    assert.equal(
      tally.refused.get('CACHE_UNSAFE'),
      REFUSED_LAUNCHES,
      'a path through another user’s link was accepted',
    );
    const r = await launch(pkg, { cache: path.join(link, 'cache'), home: work, asUser: VICTIM });
    assert.match(r.stderr, new RegExp(`${link} above it is a symbolic link owned by another user`));
  });

  test('C: cache root in a root-owned sticky folder (like /tmp) is accepted and the attacker cannot swap it', async () => {
    const sticky = path.join(work, 'C-sticky');
    await fs.mkdir(sticky);
    await fs.chmod(sticky, 0o1777);
    const real = await installedCache('C');
    const cache = path.join(sticky, 'cache');
    await fs.rename(real, cache);
    const forged = path.join(sticky, 'forged');
    await forgedCopy(cache, forged);
    const { tally, attacker } = await race('C', LAUNCHES, cache, [[cache, forged]]);
    assert.equal(tally.pwned, 0, 'the attacker’s code ran as the victim');
    assert.equal(attacker.exchanged, 0, 'the attacker swapped the victim’s cache root in a sticky folder');
    assert.ok(
      attacker.refused > 0 && Object.keys(attacker.errors).join() === 'EPERM',
      JSON.stringify(attacker),
    );
    assert.deepEqual(tally.other, []);
    assert.equal(tally.genuine, LAUNCHES, 'a safe root below a sticky folder was refused');
  });
});

test('the race test has what it needs (root, setpriv, go)', {
  skip: !isRoot && process.env.CI !== 'true',
}, () => {
  assert.ok(isRoot, 'CI runs as root: the race test needs it to create the users’ folders');
  assert.doesNotThrow(() => execFileSync('setpriv', ['--version']));
  assert.doesNotThrow(() => execFileSync('go', ['version']));
});
