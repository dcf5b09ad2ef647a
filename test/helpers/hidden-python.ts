// Runs a command in a mount namespace where every host Python is hidden (tmpfs over the interpreter
// folders, /dev/null over python binaries) and the environment is cleared: proves a package needs no
// Python. The same technique as test/e2e/python.test.ts.

import { spawnSync } from 'node:child_process';

const HIDE_DIRS = [
  '/root/.pyenv',
  '/usr/lib/python3',
  '/usr/lib/python3.11',
  '/usr/local/lib/python3.11',
  '/opt',
];
const HIDE_GLOBS = '/usr/bin/python* /usr/local/bin/python* /usr/bin/pydoc* /usr/local/bin/pip*';

export interface HiddenRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` with no host Python and only the variables in `env`. */
export function runWithoutPython(
  argv: string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): HiddenRun {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const script = [
    'set -e',
    `for d in ${HIDE_DIRS.join(' ')}; do if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi; done`,
    `for f in ${HIDE_GLOBS}; do if [ -e "$f" ]; then mount --bind /dev/null "$f"; fi; done`,
    'exec env -i "$@"',
  ].join('\n');
  const r = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...assignments, ...argv],
    { encoding: 'utf8', timeout: timeoutMs },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
