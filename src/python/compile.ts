// Precompiling Python sources to .pyc for a slot: deterministic bytes, no build paths inside.

import { run } from './exec.js';
import type { Logger } from './types.js';

/**
 * `python -m compileall` with unchecked-hash .pyc files (valid without mtime checks, reproducible);
 * `ddir` replaces the build path in the code objects (the import system fixes co_filename at run time).
 * Errors (e.g. files with Python-2 syntax in a dependency) become a warning: pip behaves the same way.
 */
export async function compileTree(
  python: string,
  dir: string,
  ddir: string,
  log: Logger,
  onCommand?: (line: string) => void,
): Promise<void> {
  const result = await run(
    python,
    ['-I', '-m', 'compileall', '-q', '-f', '-j0', '--invalidation-mode', 'unchecked-hash', '-d', ddir, dir],
    { env: { SOURCE_DATE_EPOCH: '0' }, cwd: '/', onCommand },
  );
  if (result.code !== 0) {
    const lines = result.output.split('\n').filter((l) => l.trim() !== '');
    log({
      kind: 'warning',
      message: `some files under ${ddir} did not compile to .pyc (they are kept as source):\n${lines.slice(-10).join('\n')}`,
    });
  }
}
