// What pack() builds from: a build manifest (JSON/TOML), a pyproject.toml, or a BuildSpec given in code.

import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { BuildSpec } from '../builder/build-spec.js';
import { loadBuildManifest } from '../builder/manifest.js';
import { manifestProvenance } from './pack-provenance.js';

export interface PackPlan {
  spec: BuildSpec;
  /** Where the package goes without an explicit output. */
  defaultOutput: string;
  /** Removes the planner's temporary folders; called once the package is written (or the pack failed). */
  cleanup?: () => Promise<void>;
}

/** pyproject.toml, else setup.cfg, else setup.py (a setuptools project without pyproject.toml). */
export function defaultManifest(cwd: string): string {
  const found = ['pyproject.toml', 'setup.cfg', 'setup.py'].find((n) => existsSync(path.join(cwd, n)));
  return found ?? 'pyproject.toml';
}

/** setup.py: the project is described by its pyproject.toml or setup.cfg when it has one. */
export function projectManifest(file: string): string {
  if (path.basename(file) !== 'setup.py') return file;
  const dir = path.dirname(file);
  const sibling = ['pyproject.toml', 'setup.cfg'].find((n) => existsSync(path.join(dir, n)));
  return sibling ? path.join(dir, sibling) : file;
}

/** A Python project (pyproject.toml, setup.cfg or setup.py by name, or a .toml with [project] and no [package]) rather than a build manifest. */
export async function isPyproject(file: string): Promise<boolean> {
  if (['pyproject.toml', 'setup.cfg', 'setup.py'].includes(path.basename(file))) return true;
  if (!file.endsWith('.toml')) return false;
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  try {
    const doc = parseToml(text) as Record<string, unknown>;
    return typeof doc.project === 'object' && !('package' in doc);
  } catch {
    return false;
  }
}

export async function planFromManifest(manifestPath: string): Promise<PackPlan> {
  const { spec } = await loadBuildManifest(manifestPath);
  return {
    spec: await manifestProvenance(manifestPath, spec),
    defaultOutput: defaultOutputFor(spec, path.dirname(manifestPath)),
  };
}

/** A BuildSpec given in code: slot sources are resolved against `cwd`, the package goes to cwd/dist. */
export function planFromSpec(spec: BuildSpec, cwd: string): PackPlan {
  const slots = spec.slots.map((s) => ({ ...s, source: path.resolve(cwd, s.source) }));
  return { spec: { ...spec, slots }, defaultOutput: defaultOutputFor(spec, cwd) };
}

function defaultOutputFor(spec: BuildSpec, dir: string): string {
  const name = spec.package.name.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(dir, 'dist', `${name}.psp`);
}
