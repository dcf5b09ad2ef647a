// Dependency optimisation on the site-packages slot source, after installation:
//   include_tests = false    the test packages of dependencies go (tests/ and test/ folders, conftest.py)
//   exclude_from_deps        globs of files or folders that go ("*.pyi", "numpy/doc", "**/*.md")
// Globs: `*` and `?` stay inside one path segment, `**` spans segments; a glob without "/" matches a name
// at any depth (like .gitignore). dist-info folders and the FlavorPack glue are never removed. What was
// removed, per glob, with the size saved, is logged.

import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { treeSize } from './fsutil.js';

export interface SlimResult {
  /** glob → removed relative paths */
  removed: Record<string, string[]>;
  bytes: number;
}

const TEST_GLOBS = ['tests', 'test', 'conftest.py'];
const PROTECTED = /^(_flavor_run\.py|flavor_runtime\.py|_flavor_app\.pth|[^/]+\.dist-info(\/.*)?)$/;

/** A glob as a regular expression over "/"-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/^\.?\//, '').replace(/\/$/, '');
  let re = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '*' && body[i + 1] === '*') {
      re += '.*';
      i++;
      if (body[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(body.includes('/') ? `^${re}$` : `^(?:.*/)?${re}$`);
}

/** Removes what include_tests = false and exclude_from_deps ask for from `dir`. */
export async function slimDependencies(
  dir: string,
  options: { includeTests: boolean; excludeFromDeps: string[] },
): Promise<SlimResult> {
  const globs = [...(options.includeTests ? [] : TEST_GLOBS), ...options.excludeFromDeps];
  const result: SlimResult = { removed: {}, bytes: 0 };
  if (globs.length === 0) return result;
  const patterns = globs.map((g) => ({ glob: g, re: globToRegExp(g) }));
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (PROTECTED.test(path)) continue;
      const hit = patterns.find((p) => p.re.test(path));
      if (hit) {
        const full = join(dir, path);
        const stat = await lstat(full);
        result.bytes += stat.isDirectory() ? await treeSize(full) : stat.size;
        result.removed[hit.glob] = [...(result.removed[hit.glob] ?? []), path];
        await rm(full, { recursive: true, force: true });
      } else if (entry.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return result;
}
