// The metadata `sbom` field: the CycloneDX document as compact JSON, gzip'd deterministically (the
// metadata's own gzip settings) and base64-encoded, with its size and SHA-256 (sbom/stored.ts).

import { sha256Hex } from '../crypto/digest.js';
import { gzipMetadata } from '../payload/metadata-gzip.js';
import type { CycloneDxDocument } from '../sbom/cyclonedx.js';
import { SBOM_ENCODING, SBOM_MEDIA_TYPE, type StoredSbom } from '../sbom/stored.js';

export function sbomField(doc: CycloneDxDocument): StoredSbom {
  const json = new TextEncoder().encode(JSON.stringify(doc));
  return {
    media_type: SBOM_MEDIA_TYPE,
    spec_version: doc.specVersion,
    encoding: SBOM_ENCODING,
    size: json.length,
    sha256: sha256Hex(json),
    data: gzipMetadata(json).toString('base64'),
  };
}
