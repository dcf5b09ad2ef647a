// Signals and exit codes through the real launcher, in exec mode (the default on Unix: the launcher becomes
// the app) and spawn mode (FLAVOR_EXEC_MODE=spawn: the launcher forwards signals and returns 128+N for a
// death by signal N). Compared with the same script run directly where it matters.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { appPackage, launch, writePackage } from '../helpers/adversarial.js';
import { tempDir } from '../helpers/cli.js';

const MODES = ['exec', 'spawn'] as const;
const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGUSR1: 10 } as const;
let work: string;
let trapPkg: string;
let exitPkg: string;
let pipePkg: string;

const TRAP_SCRIPT = [
  '#!/bin/sh',
  '[ "$1" = 0 ] && exit 0',
  ...Object.entries(SIGNALS).map(([name, n]) => `trap 'echo got-${name}; exit ${100 + n}' ${name.slice(3)}`),
  'echo ready',
  // Bounded, so a broken forwarder fails the test instead of leaving the app running.
  'i=0; while [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done',
  'exit 99',
  '',
].join('\n');

const modeEnv = (mode: (typeof MODES)[number]): Record<string, string> =>
  mode === 'spawn' ? { FLAVOR_EXEC_MODE: 'spawn' } : {};

before(async () => {
  work = await tempDir('flavor-adv-signals-');
  trapPkg = await writePackage(path.join(work, 'trap.psp'), appPackage({ script: TRAP_SCRIPT }));
  exitPkg = await writePackage(
    path.join(work, 'exit.psp'),
    appPackage({
      // "sigKILL" → kill itself with SIGKILL (shell parameter expansion strips the "sig" prefix).
      script: [
        '#!/bin/sh',
        'case "$1" in sig*) kill -s "$(echo "$1" | cut -c4-)" $$; sleep 1;; esac',
        'exit "$1"',
        '',
      ].join('\n'),
    }),
  );
  const big = 'line of output for the pipe test\n'.repeat(200_000); // 6.6 MB
  pipePkg = await writePackage(path.join(work, 'pipe.psp'), appPackage({ data: big }));
  await fs.writeFile(path.join(work, 'big.txt'), big);
  // Warm the caches once so every test measures the launch, not the install.
  for (const p of [trapPkg, exitPkg, pipePkg])
    await launch(p, { cache: path.join(work, 'cache'), home: work, args: ['0'] });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

for (const mode of MODES) {
  describe(`${mode} mode`, { concurrency: 4 }, () => {
    for (const [name, n] of Object.entries(SIGNALS)) {
      test(`${name} reaches the app's trap handler`, async () => {
        const r = await launch(trapPkg, {
          cache: path.join(work, 'cache'),
          home: work,
          env: modeEnv(mode),
          onSpawn: (child) => {
            child.stdout!.on('data', (c: Buffer) => {
              if (c.toString().includes('ready')) child.kill(name as NodeJS.Signals);
            });
          },
        });
        assert.equal(r.stdout, `ready\ngot-${name}\n`, r.stderr);
        assert.equal(r.code, 100 + n);
      });
    }

    test('exit codes 0, 1, 2, 42, 127, 128, 200 and 255 propagate', async () => {
      const codes = [0, 1, 2, 42, 127, 128, 200, 255];
      const results = await Promise.all(
        codes.map((c) =>
          launch(exitPkg, {
            cache: path.join(work, 'cache'),
            home: work,
            env: modeEnv(mode),
            args: [String(c)],
          }),
        ),
      );
      results.forEach((r, i) => {
        assert.equal(r.code, codes[i], r.stderr);
        assert.equal(r.stderr, '');
      });
    });

    test('death by signal propagates (exec: the same signal; spawn: 128+N)', async () => {
      for (const [sig, n] of [
        ['KILL', 9],
        ['TERM', 15],
        ['SEGV', 11],
      ] as const) {
        const r = await launch(exitPkg, {
          cache: path.join(work, 'cache'),
          home: work,
          env: modeEnv(mode),
          args: [`sig${sig}`],
        });
        if (mode === 'exec') assert.equal(r.signal, `SIG${sig}`, `${sig}: ${r.code} ${r.stderr}`);
        else assert.equal(r.code, 128 + n, `${sig}: ${r.signal} ${r.stderr}`);
      }
    });

    test('large output piped into head (EPIPE) ends like the app run directly', async () => {
      const status = (cmd: string, env: Record<string, string> = {}) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn('bash', ['-c', `${cmd} | head -c 1000 > /dev/null; echo "\${PIPESTATUS[0]}"`], {
            env: { PATH: '/usr/bin:/bin', HOME: work, FLAVOR_CACHE: path.join(work, 'cache'), ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c;
          });
          child.stderr.on('data', (c: Buffer) => {
            err += c;
          });
          child.on('error', reject);
          child.on('close', () => resolve(`${out.trim()}${err ? ` stderr: ${err}` : ''}`));
        });
      const direct = await status(`cat ${path.join(work, 'big.txt')}`);
      assert.equal(direct, '141', 'the reference: cat dies of SIGPIPE');
      assert.equal(await status(pipePkg, modeEnv(mode)), direct);
    });
  });
}
