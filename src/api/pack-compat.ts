// Interop with the original FlavorPack (issue 15, docs/compat.md): `compat: 'upstream'` rewrites the spec
// for upstream's launchers, and a launcher that is not ours gets warnings on what it cannot do.

import type { BuildSpec } from '../builder/build-spec.js';
import { applyUpstreamCompat, COMPAT_MODES, type CompatMode } from '../builder/compat.js';
import type { LauncherInfo } from '../builder/launchers.js';
import { FlavorError } from '../errors.js';
import { parseChain } from '../format/index.js';

/** A line pack() reports: an info line, or a warning with an optional hint. */
export type Report = (kind: 'info' | 'warning', message: string, hint?: string) => void;

export function checkCompatMode(value: string | undefined): CompatMode | undefined {
  if (value === undefined) return undefined;
  if (!(COMPAT_MODES as readonly string[]).includes(value)) {
    throw new FlavorError('USAGE', `--compat must be one of: ${COMPAT_MODES.join(', ')}; got "${value}"`);
  }
  return value as CompatMode;
}

export async function compatSpec(spec: BuildSpec, report: Report): Promise<BuildSpec> {
  const result = await applyUpstreamCompat(spec);
  for (const note of result.notes) report('info', `compat upstream: ${note}`);
  return result.spec;
}

const UPSTREAM_DECODES = new Set([0x01, 0x10]);

/** Says what a launcher that is not ours cannot do with this package (docs/compat.md). */
export function warnForeignLauncher(
  launcher: LauncherInfo,
  spec: BuildSpec,
  compat: boolean,
  report: Report,
): void {
  const who = launcher.tool === 'unknown' ? 'an unknown launcher' : `${launcher.tool} ${launcher.version}`;
  const warnings = [
    `--launcher-bin ${launcher.name} is not FlavorPack's launcher (detected: ${who}); it is recorded as such, without capabilities. It may not check slot SHA-256s, trusted keys or safe paths`,
  ];
  const undecodable = spec.slots.filter((slot) => {
    try {
      return parseChain(slot.operations).some((op) => !UPSTREAM_DECODES.has(op));
    } catch {
      return false; // an unknown name is reported, with its field, when the spec is validated
    }
  });
  if (undecodable.length > 0) {
    warnings.push(
      `upstream's launchers decode only tar and gzip: slot${undecodable.length > 1 ? 's' : ''} ${undecodable.map((s) => `${s.id} (${s.operations})`).join(', ')} will not extract`,
    );
  }
  const hint = compat
    ? undefined
    : 'build with --compat upstream for a package the original FlavorPack launchers run';
  warnings.forEach((message, i) => {
    report('warning', message, i === warnings.length - 1 ? hint : undefined);
  });
}
