// The runtime's components and their licences, recorded in the metadata (python.runtime_licenses) and the
// SBOM (docs/runtime.md "Licences"):
//   * the portable runtime: one entry per folder of its share/licenses/, with version and SPDX licence
//     from portable/components.ts, read from the runtime tree before any build work;
//   * any other runtime (an interpreter of this machine, --python-dist, the Windows embeddable CPython):
//     CPython itself with the licence file its tree carries; the libraries it links are not itemised.
// It does not copy licences: the runtime assembly does (runtime-assemble.ts, keepLicenses).

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FlavorError } from '../errors.js';
import type { RuntimeComponent, RuntimeLicenses } from '../sbom/types.js';
import { componentVersion, PORTABLE_COMPONENTS, unknownComponent } from './portable/components.js';
import type { RuntimeInfo } from './runtime.js';

/** Where the portable runtime keeps its licences, relative to its root. */
export const LICENSES_REL = 'share/licenses';

const CPYTHON_LICENSE = PORTABLE_COMPONENTS['cpython']!.license;

/** The portable runtime's components (Python `minor`), from its tree; RUNTIME_COMPONENTS_INVALID if off. */
export async function portableRuntimeLicenses(runtimeDir: string, minor: string): Promise<RuntimeLicenses> {
  const folders = await componentFolders(runtimeDir);
  const missing = Object.keys(PORTABLE_COMPONENTS).filter((name) => !folders.includes(name));
  if (missing.length > 0) {
    throw invalid(
      runtimeDir,
      `the portable runtime lacks the licence of ${missing.join(', ')} (no ${LICENSES_REL}/${missing[0]}/)`,
    );
  }
  const components: RuntimeComponent[] = [];
  for (const name of folders) {
    if (!PORTABLE_COMPONENTS[name]) throw unknownComponent(name).withPath(runtimeDir);
    const files = await licenseFiles(runtimeDir, name);
    components.push({
      name,
      version: componentVersion(name, minor),
      license: PORTABLE_COMPONENTS[name].license,
      files,
    });
  }
  return { complete: true, components: cpythonFirst(components) };
}

/** A runtime not built by the recipe: CPython with the licence file its tree has (none: an empty list). */
export function cpythonRuntimeLicenses(
  runtime: Pick<RuntimeInfo, 'dir' | 'version' | 'stdlibRel'>,
): RuntimeLicenses {
  const candidates = ['LICENSE.txt', `${runtime.stdlibRel}/LICENSE.txt`];
  const files = candidates.filter((rel) => existsSync(join(runtime.dir, rel)));
  return {
    complete: false,
    components: [{ name: 'cpython', version: runtime.version, license: CPYTHON_LICENSE, files }],
  };
}

/** Every recorded licence file is in the runtime slot's source (the assembly copied them). */
export function checkLicenseFiles(runtimeDir: string, licenses: RuntimeLicenses): void {
  for (const component of licenses.components) {
    const absent = component.files.find((rel) => !existsSync(join(runtimeDir, rel)));
    if (absent !== undefined) {
      throw new FlavorError(
        'INTERNAL',
        `the runtime slot lacks ${absent}, the licence of ${component.name} found in the runtime it was made from`,
        {
          path: runtimeDir,
          hint: 'report this; meanwhile clear the build cache (flavor clean) and pack again',
        },
      );
    }
  }
}

/** The folder names under share/licenses/, sorted; anything else there is an error. */
async function componentFolders(runtimeDir: string): Promise<string[]> {
  const dir = join(runtimeDir, LICENSES_REL);
  if (!existsSync(dir)) throw invalid(runtimeDir, `the portable runtime has no ${LICENSES_REL}/ folder`);
  const entries = await readdir(dir, { withFileTypes: true });
  const other = entries.find((e) => !e.isDirectory());
  if (other) throw invalid(runtimeDir, `${LICENSES_REL}/${other.name} is not a component folder`);
  return entries.map((e) => e.name).sort();
}

/** The files of share/licenses/<name>/, as paths in the slot; at least one. */
async function licenseFiles(runtimeDir: string, name: string): Promise<string[]> {
  const entries = await readdir(join(runtimeDir, LICENSES_REL, name), { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => `${LICENSES_REL}/${name}/${e.name}`)
    .sort();
  if (files.length === 0) throw invalid(runtimeDir, `${LICENSES_REL}/${name}/ holds no licence file`);
  return files;
}

function cpythonFirst(components: RuntimeComponent[]): RuntimeComponent[] {
  return [
    ...components.filter((c) => c.name === 'cpython'),
    ...components.filter((c) => c.name !== 'cpython'),
  ];
}

function invalid(runtimeDir: string, message: string): FlavorError {
  return new FlavorError('RUNTIME_COMPONENTS_INVALID', message, {
    path: runtimeDir,
    hint: 'rebuild the runtime with this flavor (flavor runtime build --force; docs/runtime.md)',
  });
}

/**
 * The licences of the runtime slot just made: the portable runtime's (read before the build), else
 * CPython's from the slot's tree; every file named is checked to be in the slot.
 */
export function licensesOfRuntime(
  portable: RuntimeLicenses | undefined,
  runtime: RuntimeInfo,
): RuntimeLicenses {
  const licenses = portable ?? cpythonRuntimeLicenses(runtime);
  checkLicenseFiles(runtime.dir, licenses);
  return licenses;
}
