// What differs between a package and its rebuild, named for a person: slots by id, the launcher, and
// metadata fields by path — the provenance compared by its decoded statement, dependencies by name.

import type { DsseEnvelope } from '../crypto/dsse.js';
import { checksumHex, type PackageMetadata } from '../format/index.js';
import type { OpenedPackage } from '../reader/open.js';

/** At most this many metadata paths are named (a changed runtime changes many fields). */
const MAX_PATHS = 20;

export function describeDifferences(original: OpenedPackage, rebuilt: OpenedPackage): string[] {
  const out = [...slotDifferences(original.metadata, rebuilt.metadata)];
  const [a, b] = [original.metadata.launcher?.checksum, rebuilt.metadata.launcher?.checksum];
  if (a !== b) out.push(`launcher: ${a ?? 'none'} → ${b ?? 'none'}`);
  const paths: string[] = [];
  diffJson(comparable(original.metadata), comparable(rebuilt.metadata), 'metadata', paths);
  out.push(...paths.slice(0, MAX_PATHS).map((p) => `${p} differs`));
  if (paths.length > MAX_PATHS) out.push(`… and ${paths.length - MAX_PATHS} more metadata fields`);
  if (out.length === 0)
    out.push('the index block (signature or layout) differs; slots, launcher and metadata are equal');
  return out;
}

function slotDifferences(a: PackageMetadata, b: PackageMetadata): string[] {
  const out: string[] = [];
  const byId = (m: PackageMetadata) => new Map(m.slots.map((s) => [s.id, checksumHex(s.checksum)]));
  const [sa, sb] = [byId(a), byId(b)];
  for (const [id, sum] of sa) {
    if (!sb.has(id)) out.push(`slot ${id}: not in the rebuild`);
    else if (sb.get(id) !== sum) out.push(`slot ${id}: sha256 ${sum} → ${sb.get(id)}`);
  }
  for (const id of sb.keys()) if (!sa.has(id)) out.push(`slot ${id}: only in the rebuild`);
  return out;
}

/**
 * The metadata without what is derived from the slots and launcher already named (their checksums and
 * sizes, the statement's subjects) and with the provenance envelope opened: its payload as JSON, its
 * signatures left out (they follow from the payload and the key).
 */
function comparable(metadata: PackageMetadata): Record<string, unknown> {
  const { slots, launcher, provenance, ...rest } = metadata;
  const out: Record<string, unknown> = {
    ...rest,
    slots: slots.map(({ checksum: _c, size: _s, original_size: _o, ...slot }) => slot),
    launcher: { ...launcher, checksum: undefined, size: undefined },
  };
  const envelope = provenance as DsseEnvelope | undefined;
  if (envelope) {
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    delete statement.subject;
    out.provenance = statement;
  }
  return out;
}

/** Appends the path of every leaf that differs. Arrays of objects with a `name` are matched by name. */
export function diffJson(a: unknown, b: unknown, at: string, out: string[]): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every(named) && b.every(named)) {
      const keys = [...new Set([...a, ...b].map((x) => (x as { name: string }).name))];
      for (const k of keys) {
        diffJson(
          a.find((x) => x.name === k),
          b.find((x) => x.name === k),
          `${at}[${k}]`,
          out,
        );
      }
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) diffJson(a[i], b[i], `${at}[${i}]`, out);
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffJson(a[k], b[k], `${at}.${k}`, out);
    return;
  }
  out.push(at);
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const named = (x: unknown) => isObject(x) && typeof x.name === 'string';
