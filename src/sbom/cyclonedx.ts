// The package's SBOM as a CycloneDX 1.6 JSON document, built from what the pack knows: the package
// (metadata.component), the launcher, the Python runtime and every installed distribution, and the
// stored slots. Deterministic: fixed key and component order, no clock (the timestamp is
// SOURCE_DATE_EPOCH or absent), and a serialNumber derived from the content.

import { sha256Hex } from '../crypto/digest.js';
import { type DeclaredLicense, declaredLicense } from './license.js';
import type { RuntimeComponent, SbomContext, SbomDistribution, SbomPython, SbomRuntime } from './types.js';

export const CYCLONEDX_SPEC_VERSION = '1.6';
/** Prefix of the properties FlavorPack adds (CycloneDX property taxonomy: a name space of our own). */
export const PROPERTY_PREFIX = 'flavorpack:';

export interface CdxHash {
  alg: 'SHA-256';
  content: string;
}
export interface CdxProperty {
  name: string;
  value: string;
}
export type CdxLicense = { license: { id: string } | { name: string } } | { expression: string };

export interface CdxComponent {
  type: 'application' | 'platform' | 'library' | 'file';
  'bom-ref': string;
  name: string;
  version?: string;
  description?: string;
  purl?: string;
  licenses?: CdxLicense[];
  hashes?: CdxHash[];
  externalReferences?: Array<{ type: 'distribution'; url: string }>;
  properties?: CdxProperty[];
}

export interface CycloneDxDocument {
  bomFormat: 'CycloneDX';
  specVersion: string;
  serialNumber: string;
  version: number;
  metadata: {
    timestamp?: string;
    tools: { components: Array<{ type: 'application'; name: string; version: string }> };
    component: CdxComponent;
  };
  components: CdxComponent[];
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
}

export const REF = {
  package: 'package',
  launcher: 'launcher',
  runtime: 'python-runtime',
  /** A library linked into the runtime (the portable runtime's share/licenses/<name>). */
  runtimePart: (name: string) => `python-runtime:${name}`,
  slot: (id: string) => `slot:${id}`,
} as const;

/** The CycloneDX document of a package (see docs/supply-chain.md for every field). */
export function cycloneDx(ctx: SbomContext): CycloneDxDocument {
  const python = ctx.input?.python;
  const root = packageComponent(ctx);
  const components: CdxComponent[] = [
    launcherComponent(ctx.launcher),
    ...(python
      ? [
          runtimeComponent(python.runtime, python.installer),
          ...runtimeParts(python.runtime).map(runtimePartComponent),
          ...python.distributions.map(distributionComponent),
        ]
      : []),
    ...ctx.slots.map(slotComponent),
  ];
  const doc: CycloneDxDocument = {
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: '',
    version: 1,
    metadata: {
      ...(ctx.sourceDateEpoch === undefined ? {} : { timestamp: isoSeconds(ctx.sourceDateEpoch) }),
      tools: { components: [{ type: 'application', name: 'flavorpack', version: ctx.toolVersion }] },
      component: root,
    },
    components,
    dependencies: dependencies(ctx, python),
  };
  doc.serialNumber = contentSerialNumber(doc);
  return doc;
}

/** urn:uuid from the SHA-256 of the document without its serialNumber (a name-based, version 5 layout). */
export function contentSerialNumber(doc: CycloneDxDocument): string {
  const h = sha256Hex(JSON.stringify({ ...doc, serialNumber: '' }));
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const prop = (name: string, value: string): CdxProperty => ({ name: `${PROPERTY_PREFIX}${name}`, value });
const sha = (hex: string): CdxHash[] => [{ alg: 'SHA-256', content: hex }];

function packageComponent(ctx: SbomContext): CdxComponent {
  return {
    type: 'application',
    'bom-ref': REF.package,
    name: ctx.package.name,
    version: ctx.package.version,
    ...(ctx.package.description ? { description: ctx.package.description } : {}),
    properties: [prop('format', 'PSPF/2025')],
  };
}

function launcherComponent(launcher: SbomContext['launcher']): CdxComponent {
  return {
    type: 'application',
    'bom-ref': REF.launcher,
    name: launcher.tool,
    version: launcher.version,
    hashes: sha(launcher.sha256),
    properties: [prop('launcher:size', String(launcher.size))],
  };
}

function runtimeComponent(runtime: SbomRuntime, installer: SbomPython['installer']): CdxComponent {
  const own = runtime.licenses?.components.find((c) => isInterpreter(c, runtime));
  return {
    type: 'platform',
    'bom-ref': REF.runtime,
    name: runtime.implementation,
    version: runtime.version,
    purl: `pkg:generic/${encodeURIComponent(runtime.implementation)}@${encodeURIComponent(runtime.version)}`,
    ...(own ? { licenses: [{ expression: own.license }] } : {}),
    hashes: sha(runtime.sha256),
    properties: [
      prop('python:source', runtime.source),
      ...(runtime.archive ? [prop('python:archive', runtime.archive)] : []),
      prop('python:hash_of', runtime.hashOf),
      prop('python:abi', runtime.abi),
      prop('python:platform', runtime.platform),
      prop('python:libc', runtime.libc),
      ...(runtime.bundledLibs.length > 0 ? [prop('python:bundled_libs', runtime.bundledLibs.join(','))] : []),
      prop('python:installer', installer),
      ...(own && own.files.length > 0 ? [prop('python:license_files', own.files.join(','))] : []),
      ...(runtime.licenses
        ? [prop('python:runtime_components', runtime.licenses.complete ? 'all' : 'cpython-only')]
        : []),
    ],
  };
}

/** The runtime's components other than the interpreter itself (the libraries linked into it). */
function runtimeParts(runtime: SbomRuntime): RuntimeComponent[] {
  return runtime.licenses?.components.filter((c) => !isInterpreter(c, runtime)) ?? [];
}

/** The entry of the interpreter itself ("cpython"; the Windows embeddable runtime says "CPython"). */
function isInterpreter(c: RuntimeComponent, runtime: SbomRuntime): boolean {
  return c.name === runtime.implementation.toLowerCase();
}

function runtimePartComponent(c: RuntimeComponent): CdxComponent {
  return {
    type: 'library',
    'bom-ref': REF.runtimePart(c.name),
    name: c.name,
    version: c.version,
    purl: `pkg:generic/${encodeURIComponent(c.name)}@${encodeURIComponent(c.version)}`,
    licenses: [{ expression: c.license }],
    properties: [prop('runtime:license_files', c.files.join(','))],
  };
}

/** PEP 503 normalised name, as purl and the dependency tree use it. */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

export function pypiPurl(name: string, version: string, index?: string): string {
  const qualifier =
    index && !/^https:\/\/pypi\.org\/simple\/?$/.test(index)
      ? `?repository_url=${encodeURIComponent(index)}`
      : '';
  return `pkg:pypi/${normalizeName(name)}@${encodeURIComponent(version)}${qualifier}`;
}

function distributionComponent(d: SbomDistribution): CdxComponent {
  const purl = pypiPurl(d.name, d.version, d.origin?.index);
  const declared = declaredLicense(d.license);
  const licenses = cdxLicenses(declared);
  const origin = d.origin;
  return {
    type: 'library',
    'bom-ref': purl,
    name: d.name,
    version: d.version,
    purl,
    ...(licenses.length > 0 ? { licenses } : {}),
    ...(origin ? { hashes: sha(origin.sha256) } : {}),
    ...(origin ? { externalReferences: [{ type: 'distribution', url: origin.url }] } : {}),
    properties: [
      prop('python:slot', d.slot),
      prop('python:origin', origin ? origin.kind : d.slot === 'app' ? 'built-from-source' : 'unknown'),
      ...(origin?.index ? [prop('python:index_url', origin.index)] : []),
      prop('python:license_source', declared.from),
    ],
  };
}

export function cdxLicenses(declared: DeclaredLicense): CdxLicense[] {
  if (declared.expression) return [{ expression: declared.expression }];
  return declared.entries.map((e) => ({ license: 'id' in e ? { id: e.id } : { name: e.name } }));
}

function slotComponent(slot: SbomContext['slots'][number], index: number): CdxComponent {
  return {
    type: 'file',
    'bom-ref': REF.slot(slot.id),
    name: slot.id,
    hashes: sha(slot.sha256),
    properties: [
      prop('slot:index', String(index)),
      prop('slot:purpose', slot.purpose),
      prop('slot:lifecycle', slot.lifecycle),
      prop('slot:target', slot.target),
      prop('slot:operations', slot.operations),
      prop('slot:size', String(slot.size)),
    ],
  };
}

/**
 * package → launcher, runtime, the app's distributions, slots; runtime → the libraries linked into it;
 * each distribution → what it requires.
 */
function dependencies(ctx: SbomContext, python: SbomPython | undefined): CycloneDxDocument['dependencies'] {
  const dists = python?.distributions ?? [];
  const refOf = new Map(
    dists.map((d) => [normalizeName(d.name), pypiPurl(d.name, d.version, d.origin?.index)]),
  );
  const slotRefs = ctx.slots.map((s) => REF.slot(s.id));
  const rootDeps = [
    REF.launcher,
    ...(python ? [REF.runtime] : []),
    ...dists.filter((d) => d.slot === 'app').map((d) => refOf.get(normalizeName(d.name))!),
    ...slotRefs,
  ];
  return [
    { ref: REF.package, dependsOn: unique(rootDeps) },
    { ref: REF.launcher, dependsOn: [] },
    ...(python ? runtimeDependencies(python.runtime) : []),
    ...dists.map((d) => ({
      ref: refOf.get(normalizeName(d.name))!,
      dependsOn: unique(d.requires.map((r) => refOf.get(normalizeName(r))).filter((r) => r !== undefined)),
    })),
    ...slotRefs.map((ref) => ({ ref, dependsOn: [] })),
  ];
}

function runtimeDependencies(runtime: SbomRuntime): CycloneDxDocument['dependencies'] {
  const parts = runtimeParts(runtime).map((c) => REF.runtimePart(c.name));
  return [{ ref: REF.runtime, dependsOn: parts }, ...parts.map((ref) => ({ ref, dependsOn: [] }))];
}

const unique = (refs: string[]): string[] => [...new Set(refs)];
