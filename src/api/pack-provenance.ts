// What pack() records in the provenance besides the planner's inputs (docs/supply-chain.md): the pack
// options that change the bytes, and for a build manifest the manifest and its file sources. The rebuild
// check (api/rebuild.ts) replays exactly these options.

import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { BuildSpec } from '../builder/build-spec.js';
import type { CompatMode } from '../builder/compat.js';
import type { ResourceDescriptor } from '../format/provenance.js';

/** externalParameters.options: the pack options a rebuild must repeat. Absent means "the default". */
export interface RecordedOptions {
  platform: string;
  compat?: CompatMode;
  compression?: string;
  compression_level?: number;
  strip?: false;
  use_pip?: true;
  /** File name of the --python-dist archive (its SHA-256 is in the python input). */
  python_dist?: string;
  /** Raw public keys (hex) embedded in the launcher with --trust-key. */
  trust_keys?: string[];
}

export function packOptionsRecord(
  spec: BuildSpec,
  context: {
    options: {
      compression?: string;
      compressionLevel?: number;
      strip?: boolean;
      usePip?: boolean;
      pythonDist?: string;
    };
    compat: CompatMode | undefined;
    target: { platform: string; trustKeys: Uint8Array[] };
  },
): BuildSpec {
  const { options, compat, target } = context;
  const recorded: RecordedOptions = {
    platform: target.platform,
    ...(compat === undefined ? {} : { compat }),
    ...(options.compression === undefined ? {} : { compression: options.compression }),
    ...(options.compressionLevel === undefined ? {} : { compression_level: options.compressionLevel }),
    ...(options.strip === false ? { strip: false as const } : {}),
    ...(options.usePip ? { use_pip: true as const } : {}),
    ...(options.pythonDist === undefined ? {} : { python_dist: path.basename(options.pythonDist) }),
    ...(target.trustKeys.length === 0
      ? {}
      : { trust_keys: target.trustKeys.map((k) => Buffer.from(k).toString('hex')) }),
  };
  const inputs = spec.provenance ?? {
    externalParameters: { source: { kind: 'build-spec' } },
    resolvedDependencies: [],
  };
  return {
    ...spec,
    provenance: { ...inputs, externalParameters: { ...inputs.externalParameters, options: recorded } },
  };
}

/** A build manifest's inputs: the manifest itself and every slot source that is a file, by SHA-256. */
export async function manifestProvenance(manifestPath: string, spec: BuildSpec): Promise<BuildSpec> {
  const dependencies: ResourceDescriptor[] = [
    { name: path.basename(manifestPath), digest: { sha256: await sha256OfFile(manifestPath) } },
  ];
  for (const slot of spec.slots) {
    // A missing source is reported by the build's own checks (SOURCE_INVALID), not here.
    if (!(await fs.stat(slot.source).catch(() => undefined))?.isFile()) continue;
    dependencies.push({
      name: slot.label || `slot/${slot.id}`,
      digest: { sha256: await sha256OfFile(slot.source) },
    });
  }
  return {
    ...spec,
    provenance: {
      externalParameters: { source: { kind: 'build-manifest', manifest: path.basename(manifestPath) } },
      resolvedDependencies: dependencies,
    },
  };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
