// What pack() builds from: a build manifest (JSON/TOML), a pyproject.toml, or a BuildSpec given in code.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { BuildSpec } from '../builder/build-spec.js';
import { loadBuildManifest } from '../builder/manifest.js';
import { FlavorError } from '../errors.js';

export interface PackPlan {
  spec: BuildSpec;
  /** Where the package goes without an explicit output. */
  defaultOutput: string;
  /** Removes the planner's temporary folders; called once the package is written (or the pack failed). */
  cleanup?: () => Promise<void>;
}

/** A pyproject.toml (by name, or a .toml with [project] and no [package]) rather than a build manifest. */
export async function isPyproject(file: string): Promise<boolean> {
  if (path.basename(file) === 'pyproject.toml') return true;
  if (['setup.py', 'setup.cfg'].includes(path.basename(file))) {
    throw new FlavorError('PROJECT_INVALID', `${path.basename(file)}-only projects cannot be packed yet`, {
      path: file,
      hint: 'add a pyproject.toml with a [project] table (name, version, [project.scripts]) next to it and pass that',
    });
  }
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
  return { spec, defaultOutput: defaultOutputFor(spec, path.dirname(manifestPath)) };
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
