// inspectSbom(): the SBOM a package carries in its signed metadata (docs/supply-chain.md), as stored
// (CycloneDX 1.6) or converted to SPDX 2.3. The package's structure and signature are checked first
// (openPackage), so what is printed is what the package's key signed.

import { FlavorError } from '../errors.js';
import { openPackage } from '../reader/open.js';
import { readSbom } from '../reader/sbom.js';
import type { CycloneDxDocument } from '../sbom/cyclonedx.js';
import { type SpdxDocument, spdxFromCycloneDx } from '../sbom/spdx.js';

export type { CycloneDxDocument } from '../sbom/cyclonedx.js';
export type { SpdxDocument } from '../sbom/spdx.js';

/** The formats `flavor inspect --sbom --format` prints. */
export const SBOM_FORMATS = ['cyclonedx', 'spdx'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

export interface InspectSbomOptions {
  /** cyclonedx (default: the stored document, verbatim) or spdx (derived from it). */
  format?: SbomFormat;
}

/** The package's SBOM. Throws NOT_FOUND for a package without one (built by upstream FlavorPack). */
export async function inspectSbom(
  pkgPath: string,
  options: InspectSbomOptions = {},
): Promise<CycloneDxDocument | SpdxDocument> {
  const format = options.format ?? 'cyclonedx';
  if (!SBOM_FORMATS.includes(format)) {
    throw new FlavorError('USAGE', `unknown SBOM format "${String(format)}"`, {
      hint: `use one of ${SBOM_FORMATS.join(', ')}`,
    });
  }
  const pkg = await openPackage(pkgPath);
  const sbom = readSbom(pkg.metadata);
  if (sbom === undefined) {
    throw new FlavorError('NOT_FOUND', 'this package carries no SBOM', {
      path: pkgPath,
      hint: 'it was built by the original FlavorPack or an older flavor: pack it again with this flavor to get one (docs/supply-chain.md)',
    });
  }
  if (format === 'cyclonedx') return sbom;
  const timestamp = pkg.metadata.build?.timestamp;
  return spdxFromCycloneDx(sbom, typeof timestamp === 'string' ? timestamp : undefined);
}
