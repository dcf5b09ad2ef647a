// `flavor inspect`'s "runtime licences": the runtime's components with their versions and licences, as
// recorded at pack time in the signed metadata (python.runtime_licenses, see src/python/runtime-licenses.ts).

import type { RuntimeComponent, RuntimeLicenses } from '../sbom/types.js';

export type { RuntimeComponent, RuntimeLicenses } from '../sbom/types.js';

/** The recorded list, or null when the package carries none (a manifest pack, an older flavor, upstream). */
export function recordedRuntimeLicenses(metadata: Record<string, unknown>): RuntimeLicenses | null {
  const python = metadata.python as Record<string, unknown> | undefined;
  const recorded = python?.runtime_licenses as Record<string, unknown> | undefined;
  if (typeof recorded !== 'object' || recorded === null || !Array.isArray(recorded.components)) return null;
  return {
    complete: recorded.complete === true,
    components: recorded.components.filter(isComponent).map((c) => ({
      name: c.name,
      version: c.version,
      license: c.license,
      files: c.files.filter((f) => typeof f === 'string'),
    })),
  };
}

function isComponent(value: unknown): value is RuntimeComponent {
  const c = value as Partial<RuntimeComponent> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.name === 'string' &&
    typeof c.version === 'string' &&
    typeof c.license === 'string' &&
    Array.isArray(c.files)
  );
}

/** "cpython 3.13.5 PSF-2.0, openssl 3.0.20 Apache-2.0, … (where the licence files are)". */
export function runtimeLicensesLine(licenses: RuntimeLicenses): string {
  const listed = licenses.components.map((c) => `${c.name} ${c.version} ${c.license}`).join(', ');
  const rest = licenses.complete ? '' : '; the libraries it links are not itemised';
  return `${listed || 'none recorded'} (${whereFiles(licenses.components.flatMap((c) => c.files))}${rest})`;
}

/** One file by its path; the portable runtime's by their folder (share/licenses/). */
function whereFiles(files: string[]): string {
  if (files.length === 0) return 'no licence file in the runtime';
  if (files.length === 1) return `licence file ${files[0]}`;
  const folders = new Set(files.map((f) => f.split('/').slice(0, 2).join('/')));
  return folders.size === 1 ? `licence files in ${[...folders][0]}/` : `licence files ${files.join(', ')}`;
}
