// rebuild(): the rebuild check (docs/supply-chain.md, "Rebuild check"). The package is verified (trust
// rules and provenance), then packed again from the given project with the inputs its provenance
// records — SOURCE_DATE_EPOCH, pack options, trusted keys — into a temporary folder, and compared byte
// for byte. The private key is not needed: Ed25519 (RFC 8032) is deterministic, so a message the
// original key signed has exactly the signature the package already carries. The rebuild is signed by a
// replay of those signatures — for a byte-identical message the original signature, for any other
// message none (zero bytes) — so an identical rebuild is the identical file, and a different one is
// named part by part. Nothing is left behind.

import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CompatMode } from '../builder/compat.js';
import { type DsseEnvelope, decodeBase64, preAuthEncoding } from '../crypto/dsse.js';
import { fingerprint } from '../crypto/keys.js';
import type { Signer } from '../crypto/signature.js';
import { FlavorError } from '../errors.js';
import { signedMessage } from '../format/index.js';
import type { Compression } from '../python/index.js';
import { type OpenedPackage, openPackage } from '../reader/open.js';
import { type PackEvent, pack } from './pack.js';
import type { RecordedOptions } from './pack-provenance.js';
import { describeDifferences } from './rebuild-diff.js';
import { type ProvenanceSummary, type VerifyOptions, verify } from './verify.js';

export interface RebuildOptions extends Pick<VerifyOptions, 'keys' | 'launcherKeys'> {
  /** The interpreter to rebuild with (default: the one discovery finds, as pack does). */
  python?: string;
  /** The python-build-standalone archive, when the package was packed from one. */
  pythonDist?: string;
  /** The launcher to embed (default: the built one for the recorded platform). */
  launcherBin?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: PackEvent) => void;
}

export interface RebuildResult {
  ok: true;
  package: string;
  /** The project file the rebuild was made from, as given. */
  project: string;
  identical: true;
  sha256: string;
  provenance: ProvenanceSummary;
}

/** Rebuilds `pkgPath` from `project`; throws REBUILD_DIFFERS naming what differs. */
export async function rebuild(
  pkgPath: string,
  project: string,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const cwd = options.cwd ?? process.cwd();
  const verified = await verify(pkgPath, {
    ...(options.keys ? { keys: options.keys } : {}),
    ...(options.launcherKeys ? { launcherKeys: options.launcherKeys } : {}),
    provenance: true,
  });
  const provenance = verified.provenance!;
  const recorded = recordedInputs(provenance, options);
  const original = await openPackage(path.resolve(cwd, pkgPath));
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-rebuild-'));
  try {
    const output = path.join(work, path.basename(pkgPath));
    await pack(project, {
      ...packOptions(recorded, options),
      output,
      key: { signer: replaySigner(original) },
      sourceDateEpoch: recorded.epoch,
      verify: false,
      cwd,
      ...(options.env ? { env: options.env } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const [a, b] = await Promise.all([sha256OfFile(original.path), sha256OfFile(output)]);
    if (a !== b) {
      const differences = describeDifferences(original, await openPackage(output, { skipSignature: true }));
      throw new FlavorError(
        'REBUILD_DIFFERS',
        `the rebuild from ${project} is not byte-identical:\n${differences.map((d) => `  ${d}`).join('\n')}`,
        {
          hint: 'the project, its lock file, the interpreter or the tools differ from what the package was built from (see the provenance: flavor verify --provenance)',
          details: { differences, package_sha256: a, rebuild_sha256: b },
        },
      );
    }
    return { ok: true, package: pkgPath, project, identical: true, sha256: a, provenance };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The recorded inputs a rebuild needs, refused early when they cannot be replayed. */
function recordedInputs(
  provenance: ProvenanceSummary,
  options: RebuildOptions,
): { epoch: number; options: RecordedOptions } {
  if (provenance.source_date_epoch === null) {
    throw new FlavorError(
      'REBUILD_UNSUPPORTED',
      'the package was packed without SOURCE_DATE_EPOCH: its timestamps cannot be reproduced',
      { hint: 'pack with SOURCE_DATE_EPOCH set (e.g. the commit time) to make rebuilds checkable' },
    );
  }
  const recorded = (provenance.parameters.options ?? {}) as RecordedOptions;
  if (recorded.python_dist !== undefined && options.pythonDist === undefined) {
    throw new FlavorError(
      'REBUILD_UNSUPPORTED',
      `the package was packed from the Python archive ${recorded.python_dist}`,
      { hint: `pass it with --python-dist ${recorded.python_dist}` },
    );
  }
  return { epoch: provenance.source_date_epoch, options: recorded };
}

function packOptions(recorded: { options: RecordedOptions }, options: RebuildOptions) {
  const r = recorded.options;
  const given = {
    platform: r.platform,
    compat: r.compat as CompatMode | undefined,
    compression: r.compression as Compression | undefined,
    compressionLevel: r.compression_level,
    python: options.python,
    pythonDist: options.pythonDist,
    launcherBin: options.launcherBin,
  };
  return {
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    strip: r.strip !== false,
    usePip: r.use_pip === true,
    trustKeys: r.trust_keys ?? [],
  };
}

/**
 * Signs by replay: the original package's signatures for the messages it signed (the metadata JSON and
 * the provenance PAE), 64 zero bytes for anything else. Under the original public key.
 */
export function replaySigner(original: OpenedPackage): Signer {
  const known: Array<[Uint8Array, Uint8Array]> = [
    [signedMessage(original.metadataJson), original.index.signature],
  ];
  const envelope = original.metadata.provenance as DsseEnvelope | undefined;
  const sig = envelope?.signatures.find((s) => s.keyid === fingerprint(original.index.publicKey));
  if (envelope && sig) {
    const pae = preAuthEncoding(envelope.payloadType, decodeBase64(envelope.payload, 'the envelope payload'));
    known.push([pae, decodeBase64(sig.sig, 'a signature')]);
  }
  return {
    publicKeyRaw: original.index.publicKey,
    sign: (message) => known.find(([m]) => Buffer.from(m).equals(message))?.[1] ?? new Uint8Array(64),
  };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
