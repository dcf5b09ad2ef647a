// Small file-system helpers for the Python pipeline.

import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readlink, rm, rmdir, stat, symlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';

export interface CopyTreeOptions {
  /**
   * Symlinks that are absolute or point outside `src`: "keep" copies them as links (default), "copy"
   * replaces each by a copy of what it points to (a distribution's link into /etc becomes a file), and
   * drops a link that points nowhere.
   */
  outside?: 'keep' | 'copy';
}

/**
 * Copy a folder tree. `filter(rel, isDir)` gets the path relative to `src` (forward slashes) and returns
 * false to skip an entry (and everything below it). Symlinks inside the tree are copied as links; modes
 * are kept.
 */
export async function copyTree(
  src: string,
  dst: string,
  filter: (rel: string, isDir: boolean) => boolean = () => true,
  options: CopyTreeOptions = {},
): Promise<void> {
  await mkdir(dst, { recursive: true });
  const copyFileKeepMode = async (from: string, to: string): Promise<void> => {
    await copyFile(from, to);
    await chmod(to, (await stat(from)).mode & 0o777);
  };
  const walk = async (from: string, to: string): Promise<void> => {
    const entries = await readdir(from, { withFileTypes: true });
    for (const entry of entries) {
      const source = join(from, entry.name);
      const target = join(to, entry.name);
      const rel = relative(src, source).split('\\').join('/');
      if (entry.isSymbolicLink()) {
        if (!filter(rel, false)) continue;
        const link = await readlink(source);
        const inside = !isAbsolute(link) && !relative(src, resolve(from, link)).startsWith('..');
        if (inside || options.outside !== 'copy') {
          await symlink(link, target);
          continue;
        }
        const st = await stat(source).catch(() => undefined);
        if (st?.isFile()) await copyFileKeepMode(source, target);
        else if (st?.isDirectory())
          await copyTree(source, target, (r, d) => filter(`${rel}/${r}`, d), options);
      } else if (entry.isDirectory()) {
        if (!filter(rel, true)) continue;
        await mkdir(target, { recursive: true });
        await walk(source, target);
      } else if (entry.isFile()) {
        if (!filter(rel, false)) continue;
        await copyFileKeepMode(source, target);
      }
    }
  };
  await walk(src, dst);
}

/** All regular files under `dir` (absolute paths), sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Total size in bytes of the regular files under `dir`. */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const file of await listFiles(dir)) total += (await lstat(file)).size;
  return total;
}

/** Remove empty folders below `dir` (not `dir` itself). */
export async function pruneEmptyDirs(dir: string): Promise<void> {
  const walk = async (d: string): Promise<boolean> => {
    const entries = await readdir(d, { withFileTypes: true });
    let empty = true;
    for (const entry of entries) {
      if (entry.isDirectory()) {
        const childEmpty = await walk(join(d, entry.name));
        if (childEmpty) await rmdir(join(d, entry.name));
        else empty = false;
      } else {
        empty = false;
      }
    }
    return empty;
  };
  await walk(dir);
}

/** Remove every folder named `name` below `dir`. */
export async function removeDirsNamed(dir: string, name: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const p = join(dir, entry.name);
    if (entry.name === name) await rm(p, { recursive: true, force: true });
    else await removeDirsNamed(p, name);
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function isElf(path: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return bytesRead === 4 && buf.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await fh.close();
  }
}

/** True for a regular file with any execute bit set. */
export function isExecutableFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
