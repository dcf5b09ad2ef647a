// Making the slot sources of a Python build depend only on the inputs (project, interpreter, resolved
// dependencies), not on when, where, by whom or under which umask the pack ran. The tar writer already
// fixes entry order, uid/gid and mtimes (payload/tar-write.ts); .pyc files are unchecked-hash and
// compiled with a fixed hash seed and a relative -d path (compile.ts). What is left is done here:
//   * *.dist-info files that record the build machine: uv_cache.json (a clock timestamp, written by
//     `uv pip install` for local projects) and direct_url.json (the temporary wheel's path), removed
//     together with their RECORD lines; RECORD itself sorted (installers may list files in any order);
//   * permission bits: files 0644 (0755 when any execute bit is set), folders 0755, whatever the umask.

import { existsSync } from 'node:fs';
import { chmod, lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRecord } from './record.js';

/** dist-info files that describe the build, not the distribution. */
export const BUILD_RECORD_FILES = ['uv_cache.json', 'direct_url.json'];

/** Removes BUILD_RECORD_FILES from every *.dist-info directly under `siteDir` and normalises RECORD. */
export async function scrubDistInfos(siteDir: string): Promise<void> {
  for (const name of (await readdir(siteDir)).filter((n) => n.endsWith('.dist-info')).sort()) {
    const distInfo = join(siteDir, name);
    for (const file of BUILD_RECORD_FILES) await rm(join(distInfo, file), { force: true });
    const record = join(distInfo, 'RECORD');
    if (existsSync(record)) await writeFile(record, normalizeRecord(await readFile(record, 'utf8'), name));
  }
}

/** RECORD without the lines of BUILD_RECORD_FILES, lines sorted by path, "\n" line ends. */
export function normalizeRecord(text: string, distInfoName: string): string {
  const dropped = new Set(BUILD_RECORD_FILES.map((f) => `${distInfoName}/${f}`));
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const kept = lines.filter((line) => !dropped.has(parseRecord(line)[0] ?? ''));
  const byPath = (a: string, b: string) => {
    const [pa, pb] = [parseRecord(a)[0] ?? a, parseRecord(b)[0] ?? b];
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  };
  return `${kept.sort(byPath).join('\n')}\n`;
}

/** Permission bits independent of the umask: files 0644/0755 (by any execute bit), folders 0755. */
export async function normalizeModes(dir: string): Promise<void> {
  const walk = async (d: string): Promise<void> => {
    await chmod(d, 0o755);
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const mode = (await lstat(path)).mode;
        await chmod(path, mode & 0o111 ? 0o755 : 0o644);
      }
    }
  };
  await walk(dir);
}
