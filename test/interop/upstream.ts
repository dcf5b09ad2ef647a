// The released original FlavorPack (0.5.4) for the interop suite: installs the pinned wheel and the
// modules its CLI imports (upstream-requirements.txt, every file checked by SHA-256, installed with uv) into
// <repo>/.cache/interop/venv once, and names their tools. Nothing of theirs is in this repository.
// Without PyPI the suite fails with a clear message — it never passes or skips silently.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireTool } from '../../src/python/tools.js';
import { REPO_ROOT } from '../helpers/cli.js';

export const UPSTREAM_VERSION = '0.5.4';
const REQUIREMENTS = path.join(REPO_ROOT, 'test', 'interop', 'upstream-requirements.txt');
/** FLAVOR_INTEROP_CACHE moves the venv (e.g. to prove the suite fails without PyPI). */
const CACHE = process.env.FLAVOR_INTEROP_CACHE ?? path.join(REPO_ROOT, '.cache', 'interop');
const VENV = path.join(CACHE, 'venv');

export interface Upstream {
  /** Their Python CLI (`flavor verify|inspect|extract-all`). */
  flavor: string;
  goBuilder: string;
  rsBuilder: string;
  goLauncher: string;
  rsLauncher: string;
}

function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function fail(step: string, out: string): never {
  throw new Error(
    `interop: ${step} failed. The interop suite needs the released flavorpack==${UPSTREAM_VERSION} wheel from PyPI ` +
      `(python3 with venv, uv from npm run setup, network access to pypi.org or UV_INDEX_URL); it fails rather than skips.\n` +
      out.trim().split('\n').slice(-15).join('\n'),
  );
}

/** Installs (once; the stamp is the requirements file's hash) and returns their tools. */
export function ensureUpstream(): Upstream {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `interop: upstream ${UPSTREAM_VERSION} ships linux_amd64 binaries only; this is ${process.platform}/${process.arch}`,
    );
  }
  const stamp = path.join(VENV, '.flavorpack-interop');
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    rmSync(VENV, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    const venv = run('python3', ['-m', 'venv', '--without-pip', VENV]);
    if (venv.code !== 0) fail('creating a Python venv (python3 -m venv)', venv.out);
    // The project's pinned uv (npm run setup) installs in seconds; pip would take ten times longer.
    const uv = requireTool('uv', 'installing the upstream wheel').path;
    const install = run(uv, [
      'pip',
      'install',
      '--python',
      path.join(VENV, 'bin', 'python'),
      '--no-deps',
      '--only-binary',
      ':all:',
      '--require-hashes',
      '-q',
      '-r',
      REQUIREMENTS,
    ]);
    if (install.code !== 0) fail(`uv pip install -r ${path.relative(REPO_ROOT, REQUIREMENTS)}`, install.out);
    writeFileSync(stamp, wanted);
  }
  const lib = path.join(VENV, 'lib');
  const site = readdirSync(lib)
    .map((py) => path.join(lib, py, 'site-packages'))
    .find(existsSync);
  if (!site) fail('finding the venv site-packages', lib);
  const bin = (name: string) => {
    const file = path.join(site, 'flavor', 'helpers', 'bin', `${name}-${UPSTREAM_VERSION}-linux_amd64`);
    if (!existsSync(file)) fail(`finding ${name} in the wheel`, file);
    return file;
  };
  return {
    flavor: path.join(VENV, 'bin', 'flavor'),
    goBuilder: bin('flavor-go-builder'),
    rsBuilder: bin('flavor-rs-builder'),
    goLauncher: bin('flavor-go-launcher'),
    rsLauncher: bin('flavor-rs-launcher'),
  };
}
