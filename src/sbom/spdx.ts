// SPDX 2.3 JSON derived from the package's CycloneDX document (the one model, signed in the package):
// one SPDX package per component, the same hashes, purls and download URLs, DESCRIBES / DEPENDS_ON /
// CONTAINS relationships from the dependency graph. Deterministic like its source: the namespace comes
// from the CycloneDX serialNumber, the creation time from its timestamp (or the build's).

import { FlavorError } from '../errors.js';
import {
  type CdxComponent,
  type CdxLicense,
  type CycloneDxDocument,
  PROPERTY_PREFIX,
  REF,
} from './cyclonedx.js';

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: Array<{ algorithm: 'SHA256'; checksumValue: string }>;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: string;
  licenseComments?: string;
  copyrightText: 'NOASSERTION';
  description?: string;
  primaryPackagePurpose: 'APPLICATION' | 'LIBRARY' | 'FILE';
  externalRefs?: Array<{
    referenceCategory: 'PACKAGE-MANAGER';
    referenceType: 'purl';
    referenceLocator: string;
  }>;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }>;
  hasExtractedLicensingInfos?: Array<{ licenseId: string; extractedText: string; name: string }>;
}

/** The SPDX 2.3 document of a package's CycloneDX SBOM. `buildTimestamp`: metadata build.timestamp. */
export function spdxFromCycloneDx(bom: CycloneDxDocument, buildTimestamp?: string): SpdxDocument {
  const root = bom.metadata?.component;
  if (bom.bomFormat !== 'CycloneDX' || !root || !Array.isArray(bom.components)) {
    throw new FlavorError(
      'METADATA_SCHEMA',
      'metadata field sbom: expected a CycloneDX document made by flavor',
      {
        hint: 'print it as it is with `flavor inspect --sbom --format cyclonedx`',
      },
    );
  }
  const extracted = new Map<string, { licenseId: string; extractedText: string; name: string }>();
  const ids = new Map<string, string>();
  const all = [root, ...bom.components];
  for (const c of all) ids.set(c['bom-ref'], spdxId(c['bom-ref'], ids));
  const packages = all.map((c) => spdxPackage(c, ids.get(c['bom-ref'])!, extracted));
  const rootId = ids.get(root['bom-ref'])!;
  const relationships = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId },
    ...bom.dependencies.flatMap((d) =>
      d.dependsOn.map((to) => ({
        spdxElementId: ids.get(d.ref)!,
        relationshipType: contains(d.ref, to) ? 'CONTAINS' : 'DEPENDS_ON',
        relatedSpdxElement: ids.get(to)!,
      })),
    ),
  ].filter((r) => r.spdxElementId !== undefined && r.relatedSpdxElement !== undefined);
  const tool = bom.metadata.tools.components[0];
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${root.name}-${root.version ?? ''}`,
    documentNamespace: `https://flavorpack.dev/spdx/${encodeURIComponent(root.name)}-${encodeURIComponent(root.version ?? '')}-${bom.serialNumber.replace(/^urn:uuid:/, '')}`,
    creationInfo: {
      created: bom.metadata.timestamp ?? buildTimestamp ?? '1970-01-01T00:00:00Z',
      creators: [`Tool: ${tool ? `${tool.name}-${tool.version}` : 'flavorpack'}`],
    },
    packages,
    relationships,
    ...(extracted.size > 0 ? { hasExtractedLicensingInfos: [...extracted.values()] } : {}),
  };
}

/** The package contains its slots; the runtime contains the libraries linked into it. */
function contains(from: string, to: string): boolean {
  if (from === REF.package) return to.startsWith(REF.slot(''));
  return from === REF.runtime && to.startsWith(REF.runtimePart(''));
}

/** SPDXRef-<bom-ref with only letters, digits, "." and "-">, unique in the document. */
function spdxId(ref: string, taken: Map<string, string>): string {
  const base = `SPDXRef-${ref.replace(/[^A-Za-z0-9.-]+/g, '-')}`;
  const used = new Set(taken.values());
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  return id;
}

const PURPOSE: Record<CdxComponent['type'], SpdxPackage['primaryPackagePurpose']> = {
  application: 'APPLICATION',
  library: 'LIBRARY',
  platform: 'APPLICATION',
  file: 'FILE',
};

function spdxPackage(
  c: CdxComponent,
  id: string,
  extracted: Map<string, { licenseId: string; extractedText: string; name: string }>,
): SpdxPackage {
  const purpose = PURPOSE[c.type];
  const license = spdxLicense(c.licenses, extracted);
  const download = c.externalReferences?.find((r) => r.type === 'distribution')?.url;
  const origin = c.properties?.find((p) => p.name === `${PROPERTY_PREFIX}python:origin`)?.value;
  return {
    SPDXID: id,
    name: c.name,
    ...(c.version === undefined ? {} : { versionInfo: c.version }),
    downloadLocation:
      download ?? (origin === 'built-from-source' || c.type === 'file' ? 'NONE' : 'NOASSERTION'),
    filesAnalyzed: false,
    ...(c.hashes?.length
      ? { checksums: c.hashes.map((h) => ({ algorithm: 'SHA256' as const, checksumValue: h.content })) }
      : {}),
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: license.declared,
    ...(license.comment ? { licenseComments: license.comment } : {}),
    copyrightText: 'NOASSERTION',
    ...(c.description ? { description: c.description } : {}),
    primaryPackagePurpose: purpose ?? 'APPLICATION',
    ...(c.purl
      ? {
          externalRefs: [
            { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: c.purl },
          ],
        }
      : {}),
  };
}

/**
 * licenseDeclared: the expression, the one identifier, or a LicenseRef- for a licence name (its text
 * recorded in hasExtractedLicensingInfos). Several classifiers say nothing about how they combine:
 * NOASSERTION, with the declared ones in licenseComments.
 */
function spdxLicense(
  licenses: CdxLicense[] | undefined,
  extracted: Map<string, { licenseId: string; extractedText: string; name: string }>,
): { declared: string; comment?: string } {
  if (!licenses || licenses.length === 0) return { declared: 'NOASSERTION' };
  const words = licenses.map((l) =>
    'expression' in l ? l.expression : 'id' in l.license ? l.license.id : l.license.name,
  );
  if (licenses.length > 1) {
    return { declared: 'NOASSERTION', comment: `declared licences (classifiers): ${words.join('; ')}` };
  }
  const only = licenses[0]!;
  if ('expression' in only) {
    for (const licenseId of only.expression.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) {
      if (extracted.has(licenseId)) continue;
      extracted.set(licenseId, {
        licenseId,
        name: licenseId.slice('LicenseRef-'.length),
        extractedText: `A licence with no SPDX identifier (${licenseId}); its text is the licence file packed with the component.`,
      });
    }
    return { declared: only.expression };
  }
  if ('id' in only.license) return { declared: only.license.id };
  const name = only.license.name;
  const licenseId = `LicenseRef-${name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '')}`;
  extracted.set(licenseId, {
    licenseId,
    name,
    extractedText: `The distribution's metadata declares the licence "${name}" (no SPDX identifier).`,
  });
  return { declared: licenseId };
}
