// The launcher manifest: <launcher dir>/manifest.json records the size and SHA-256 of every launcher
// `flavor helpers build` made — the npm package ships it with the six prebuilt launchers. Before a shipped
// launcher is embedded its bytes are checked against it, so a launcher changed after the build is refused.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../crypto/digest.js';
import { FlavorError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';

export interface LauncherManifestEntry {
  file: string;
  size: number;
  sha256: string;
}

export interface LauncherManifest {
  format: 1;
  /** flavorpack version the launchers were built for. */
  version: string;
  /** `go env GOVERSION` of the build. */
  go: string;
  /** By platform, e.g. "linux_amd64". */
  launchers: Record<string, LauncherManifestEntry>;
}

export function manifestPath(dir: string): string {
  return path.join(dir, MANIFEST_FILE);
}

/** The manifest in `dir`; undefined when there is none; LAUNCHER_MISMATCH when it is unreadable. */
export async function readLauncherManifest(dir: string): Promise<LauncherManifest | undefined> {
  const file = manifestPath(dir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FlavorError('IO_ERROR', 'cannot read the launcher manifest', { path: file, cause });
  }
  const parsed = parseManifest(text);
  if (!parsed) {
    throw new FlavorError('LAUNCHER_MISMATCH', 'the launcher manifest is not valid', {
      path: file,
      hint: 'rebuild the launchers (`flavor helpers build --force`) or reinstall flavorpack',
    });
  }
  return parsed;
}

function parseManifest(text: string): LauncherManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = value as Partial<LauncherManifest> | null;
  if (m?.format !== 1 || typeof m.launchers !== 'object' || m.launchers === null) return undefined;
  for (const entry of Object.values(m.launchers)) {
    const e = entry as Partial<LauncherManifestEntry> | null;
    if (
      !e ||
      typeof e.file !== 'string' ||
      typeof e.size !== 'number' ||
      !/^[0-9a-f]{64}$/.test(e.sha256 ?? '')
    )
      return undefined;
  }
  return {
    format: 1,
    version: String(m.version ?? ''),
    go: String(m.go ?? ''),
    launchers: m.launchers,
  };
}

/** Writes the manifest atomically (temp file + rename). */
export async function writeLauncherManifest(dir: string, manifest: LauncherManifest): Promise<void> {
  const sorted = Object.fromEntries(
    Object.entries(manifest.launchers).sort(([a], [b]) => a.localeCompare(b)),
  );
  const file = manifestPath(dir);
  const temp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(temp, `${JSON.stringify({ ...manifest, launchers: sorted }, null, 2)}\n`);
  await fs.rename(temp, file);
}

/** The manifest entry whose file name is `name`. */
export function entryFor(manifest: LauncherManifest, name: string): LauncherManifestEntry | undefined {
  return Object.values(manifest.launchers).find((e) => e.file === name);
}

/**
 * Refuses a launcher that is not listed in the manifest next to it or whose SHA-256 differs from the
 * listed one (LAUNCHER_MISMATCH, exit 11).
 */
export async function checkAgainstManifest(launcher: string): Promise<void> {
  const dir = path.dirname(launcher);
  const name = path.basename(launcher);
  const manifest = await readLauncherManifest(dir);
  const entry = manifest && entryFor(manifest, name);
  if (!entry) {
    throw new FlavorError('LAUNCHER_MISMATCH', `launcher ${name} is not listed in ${manifestPath(dir)}`, {
      path: launcher,
      hint: 'rebuild the launchers (`flavor helpers build --force`) or reinstall flavorpack; or pass --launcher-bin',
    });
  }
  const actual = sha256Hex(await fs.readFile(launcher));
  if (actual !== entry.sha256) {
    throw new FlavorError(
      'LAUNCHER_MISMATCH',
      `launcher ${name} was modified: its SHA-256 is ${actual}, the manifest lists ${entry.sha256}`,
      {
        path: launcher,
        hint: 'refusing to embed it; reinstall flavorpack (npm i -g flavorpack), or in a checkout rebuild with `flavor helpers build --force`',
      },
    );
  }
}
