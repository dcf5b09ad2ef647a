// What an SBOM is made of, as the pipelines know it at pack time (the builder adds the launcher and the
// stored slots). python/ produces SbomPython; sbom/cyclonedx.ts turns the whole into a CycloneDX document.

/** The licence fields of a distribution's METADATA, as written (core metadata 2.4 / 2.1). */
export interface LicenseSource {
  /** `License-Expression` (PEP 639). */
  expression?: string;
  /** `License` (free text; often a name, sometimes the whole licence text). */
  license?: string;
  /** The `License ::` trove classifiers, without the "License :: " prefix. */
  classifiers: string[];
}

/** Where an installed distribution's file came from: the wheel (or sdist) the installer used. */
export interface DistributionOrigin {
  kind: 'wheel' | 'sdist';
  /** Download URL of the file on its index. */
  url: string;
  /** SHA-256 of the file, as the index publishes it (and the installer checks it). */
  sha256: string;
  /** The index it was resolved from (simple API root). */
  index?: string;
}

export interface SbomDistribution {
  name: string;
  version: string;
  license: LicenseSource;
  /** Installed distributions this one requires, normalised names. */
  requires: string[];
  /** The project and its local dependencies are "app" (built from source at pack time). */
  slot: 'site-packages' | 'app';
  /** Absent for distributions built from source at pack time (the project) or when unknown. */
  origin?: DistributionOrigin;
}

export interface SbomRuntime {
  implementation: string;
  version: string;
  /** How the interpreter was found: pyenv, uv, PATH, --python, --python-dist. */
  source: string;
  /** File name of the --python-dist archive (never a path). */
  archive?: string;
  /** SHA-256 of the --python-dist archive, else of the interpreter executable copied into the runtime. */
  sha256: string;
  hashOf: 'archive' | 'executable';
  abi: string;
  platform: string;
  libc: string;
  /** Host libraries copied into the runtime (libssl, libffi…). */
  bundledLibs: string[];
  /** The runtime's components and their licences (metadata python.runtime_licenses). */
  licenses?: RuntimeLicenses;
}

/** A component of the Python runtime with its licence (docs/runtime.md "Licences"). */
export interface RuntimeComponent {
  /** "cpython", "openssl", … (the folder name in the portable runtime's share/licenses/). */
  name: string;
  version: string;
  /** SPDX licence expression. */
  license: string;
  /** Its licence files in the runtime slot, relative to the slot's root (POSIX separators). */
  files: string[];
}

/**
 * What the runtime is made of, licence-wise. `complete`: every component linked into the runtime is
 * listed (the portable runtime); false: CPython only, the libraries it links are not itemised (a runtime
 * copied from an interpreter of this machine, a --python-dist archive, the Windows embeddable CPython).
 */
export interface RuntimeLicenses {
  complete: boolean;
  /** CPython first, then the other components by name. */
  components: RuntimeComponent[];
}

export interface SbomPython {
  runtime: SbomRuntime;
  installer: 'uv' | 'pip';
  distributions: SbomDistribution[];
}

/** The part of a BuildSpec the SBOM is made of, beyond slots and package (BuildSpec.sbom). */
export interface SbomInput {
  python?: SbomPython;
}

/** Everything cycloneDx() needs: the BuildSpec's part plus what the builder knows after encoding. */
export interface SbomContext {
  package: { name: string; version: string; description?: string };
  toolVersion: string;
  /** SOURCE_DATE_EPOCH (seconds); without it the document has no timestamp. */
  sourceDateEpoch?: number;
  launcher: { tool: string; version: string; sha256: string; size: number };
  slots: Array<{
    id: string;
    purpose: string;
    lifecycle: string;
    target: string;
    operations: string;
    /** SHA-256 of the stored bytes (the metadata checksum). */
    sha256: string;
    size: number;
  }>;
  input?: SbomInput;
}
