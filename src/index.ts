// The library API of flavorpack: the four operations the `flavor` CLI is built on, and their types.
//
//   pack(input, options)            build a signed package from a manifest, a pyproject.toml or a BuildSpec
//   packPlatforms(input, platforms) one package per target platform (docs/platforms.md)
//   verify(pkg, options)            check everything: structure, checksums, signature, slots, launcher
//   inspect(pkg, options)           describe a package (structure and signature checked, slot hashes not)
//   inspectSbom(pkg, options)       the package's signed SBOM: CycloneDX 1.6, or SPDX 2.3 derived from it
//   extract(pkg, slot, output)      verify, then decode one slot; extractAll(pkg, dir) decodes every slot
//   rebuild(pkg, project, options)  pack the project again from the recorded provenance and compare bytes
//
// Results are plain JSON-ready objects, identical to what `flavor <command> --json` prints (snake_case
// keys, as in the package metadata). Failures are FlavorError (code, message, hint, exitCode).

export {
  type ExtractAllResult,
  type ExtractedSlot,
  type ExtractOptions,
  type ExtractResult,
  extract,
  extractAll,
  type SkippedSlot,
} from './api/extract.js';
export {
  type InspectOptions,
  type InspectResult,
  type InspectSlot,
  inspect,
  type RecordedDistribution,
  type RuntimeComponent,
  type RuntimeLicenses,
  type TreeNode,
} from './api/inspect.js';
export {
  type CycloneDxDocument,
  type InspectSbomOptions,
  inspectSbom,
  SBOM_FORMATS,
  type SbomFormat,
  type SpdxDocument,
} from './api/inspect-sbom.js';
export { type CompatMode, type PackEvent, type PackOptions, type PackResult, pack } from './api/pack.js';
export {
  type PlatformsPackOptions,
  type PlatformsPackResult,
  packPlatforms,
} from './api/pack-platforms.js';
export type { PythonPackOptions } from './api/python-plan.js';
export { type RebuildOptions, type RebuildResult, rebuild } from './api/rebuild.js';
export type { KeySource, SigningKey } from './api/signing-key.js';
export {
  type ProvenanceSummary,
  type TrustLevel,
  type VerifyOptions,
  type VerifyResult,
  verify,
} from './api/verify.js';
export type { BuildProgress } from './builder/build.js';
export type {
  BuildSpec,
  ProvenanceInputs,
  RuntimeEnvSpec,
  SetupCommandSpec,
  SlotEncryptionSpec,
  SlotSpec,
} from './builder/build-spec.js';
export { COMPAT_MODES } from './builder/compat.js';
export type { DsseEnvelope, DsseSignature } from './crypto/dsse.js';
export type { Signer } from './crypto/signature.js';
export type { ErrorCategory, ErrorCode, FlavorErrorOptions } from './errors.js';
export { ERROR_CODES, EXIT_CODES, FlavorError, isFlavorError } from './errors.js';
export type { HostPlatform } from './format/platform.js';
export type { ResourceDescriptor } from './format/provenance.js';
export type { Compression, PythonBuildEvent, SharedWheels } from './python/index.js';
export type { SlotKeyOptions } from './reader/slot-keys.js';
export type { VerifyCheck } from './reader/verify.js';
export type { CdxComponent, CdxHash, CdxLicense, CdxProperty } from './sbom/cyclonedx.js';
export type { SpdxPackage } from './sbom/spdx.js';
export type {
  DistributionOrigin,
  LicenseSource,
  SbomDistribution,
  SbomInput,
  SbomPython,
  SbomRuntime,
} from './sbom/types.js';
export type { RuntimeEnv } from './schema/runtime-env.js';
export type { ServiceSpec } from './schema/service.js';
export { VERSION } from './version.js';
export type { LifecycleKind, SlotPlace } from './workenv/lifecycle.js';
