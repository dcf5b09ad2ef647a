// How the SBOM sits in the signed metadata (docs/supply-chain.md, "Where it is stored"): an object with
// the document gzip'd and base64-encoded in `data`, so the launcher, which parses the whole metadata on
// every start, reads one string instead of thousands of JSON values (BenchmarkVerifyWarmSBOM).

export const SBOM_MEDIA_TYPE = 'application/vnd.cyclonedx+json';
export const SBOM_ENCODING = 'gzip+base64';
/** Largest SBOM JSON a reader decodes (the metadata JSON limit). */
export const SBOM_MAX_JSON = 16 * 1024 * 1024;

export interface StoredSbom {
  media_type: typeof SBOM_MEDIA_TYPE;
  spec_version: string;
  encoding: typeof SBOM_ENCODING;
  /** Bytes of the SBOM JSON (compact, UTF-8). */
  size: number;
  /** SHA-256 of the SBOM JSON. */
  sha256: string;
  /** base64 of the gzip (level 9, mtime 0) of the SBOM JSON. */
  data: string;
}
