// The SBOM a package carries (metadata `sbom`, sbom/stored.ts), decoded: base64, a bounded gunzip, the
// recorded size and SHA-256 checked, then JSON. The caller has verified the signature over the metadata.

import { sha256Hex } from '../crypto/digest.js';
import { FlavorError } from '../errors.js';
import { gunzipMetadata } from '../payload/metadata-gzip.js';
import type { CycloneDxDocument } from '../sbom/cyclonedx.js';
import { SBOM_ENCODING, SBOM_MAX_JSON, SBOM_MEDIA_TYPE } from '../sbom/stored.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The CycloneDX document in `sbom`, or undefined when the package has none. */
export function readSbom(metadata: Record<string, unknown>): CycloneDxDocument | undefined {
  const field = metadata.sbom as Record<string, unknown> | undefined;
  if (field === undefined) return undefined;
  if (field.media_type !== SBOM_MEDIA_TYPE) invalid('media_type', `"${SBOM_MEDIA_TYPE}"`, field.media_type);
  if (field.encoding !== SBOM_ENCODING) invalid('encoding', `"${SBOM_ENCODING}"`, field.encoding);
  if (typeof field.data !== 'string' || !BASE64.test(field.data)) invalid('data', 'base64 text', field.data);
  const json = gunzipMetadata(Buffer.from(field.data as string, 'base64'), SBOM_MAX_JSON);
  if (json.length !== field.size) invalid('size', `${json.length} (the decoded length)`, field.size);
  if (sha256Hex(json) !== field.sha256)
    invalid('sha256', 'the SHA-256 of the decoded document', field.sha256);
  try {
    return JSON.parse(Buffer.from(json).toString('utf8')) as CycloneDxDocument;
  } catch (cause) {
    throw new FlavorError('METADATA_SCHEMA', 'metadata field sbom.data: the decoded document is not JSON', {
      cause,
    });
  }
}

function invalid(key: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? `"${got.slice(0, 40)}"` : String(got);
  throw new FlavorError('METADATA_SCHEMA', `metadata field sbom.${key}: expected ${expected}, got ${shown}`, {
    hint: 'the SBOM was not written by flavor; `flavor verify` checks the rest of the package',
  });
}
