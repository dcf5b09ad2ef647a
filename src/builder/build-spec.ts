// BuildSpec: everything a package is made of. It is the single input of the builder; the manifest
// reader (builder/manifest.ts) and the Python pipeline (python/) both produce one.
// Paths in a BuildSpec are absolute: whoever produces it has already resolved them.

import type { ResourceDescriptor } from '../format/provenance.js';
import type { SbomInput } from '../sbom/types.js';
import type { RuntimeEnv } from '../schema/runtime-env.js';
import type { ServiceSpec } from '../schema/service.js';

/** `runtime.env` rules applied by the launcher before anything else (docs/launcher.md). */
export type RuntimeEnvSpec = RuntimeEnv;

export interface SlotSpec {
  /** Unique id (e.g. "runtime", "site-packages", "app"). Its SHA-256 prefix is the descriptor name hash. */
  id: string;
  /** Absolute path of a file or directory on the build machine. Never written to the package. */
  source: string;
  /**
   * What the metadata records as the slot's `source`: a path relative to the project (POSIX separators).
   * Absent for sources that are not project files (generated, or outside the project): recorded as "".
   */
  label?: string;
  /** Where the slot lands, relative to the workenv: "{workenv}", "{workenv}/bin/tool", … */
  target: string;
  /** The operation chain, by name (raw, gzip, tar, tar.gz, zstd, tar.zst, xz, tar.xz, bzip2, tar.bz2, "tar|gzip"). */
  operations: string;
  /** data, code, config, media, runtime, tool, payload, … (free text, mapped to a purpose byte). */
  purpose: string;
  /** init, startup, runtime, shutdown, cache, temp, lazy, eager, dev, config, platform, volatile, persistent. */
  lifecycle: string;
  /**
   * Only machines of this platform extract the slot: "linux", "darwin", "windows" or an OS_arch like
   * "linux_amd64" (format/platform.ts). Undefined: every machine.
   */
  platform?: string;
  /** Octal mode string for single-file slots ("0755"); undefined for archives. */
  permissions?: string;
  /** Compression level for gzip (1–9), zstd (1–19) or xz; default per codec. */
  compressionLevel?: number;
  /** Tar chains: store symlinks as copies of their files (set by --compat upstream). */
  materializeSymlinks?: boolean;
  /** Tar chains: put every archive entry under this folder (set by --compat upstream, target {workenv}). */
  tarPrefix?: string;
  /** Encrypt the stored bytes (after the chain): docs/supply-chain.md, "Encrypted slots". */
  encryption?: SlotEncryptionSpec;
}

export interface SlotEncryptionSpec {
  algorithm: 'aes256-gcm';
  /** `env:NAME`, `file:PATH` or `prompt`, as written: recorded in the metadata for the launcher. */
  keySource: string;
  /** The folder a relative `file:` path is read from at build time (the manifest's or project's folder). */
  keyBaseDir: string;
}

export interface SetupCommandSpec {
  type: 'enumerate_and_execute' | 'execute' | 'write_file' | 'chmod';
  [key: string]: unknown;
}

export interface BuildSpec {
  package: { name: string; version: string; description?: string };
  execution: {
    /** Command line with placeholders, e.g. "{workenv}/bin/python3 -I -m app". */
    command: string;
    /** Extra variables for the app (emitted as execution.env and execution.environment). */
    env: Record<string, string>;
    primarySlot: number;
    /** Named alternative commands selected by FLAVOR_COMMAND or the invocation name (docs/launcher.md). */
    commands?: Record<string, string>;
  };
  slots: SlotSpec[];
  runtime?: { env: RuntimeEnvSpec };
  /** Service mode: recorded as metadata runtime.persistent / runtime.port (docs/launcher.md). */
  service?: ServiceSpec;
  workenv?: {
    directories?: Array<{ path: string; mode?: string }>;
    env?: Record<string, string>;
  };
  cacheValidation?: { checkFile: string; expectedContent?: string };
  setupCommands?: SetupCommandSpec[];
  /** What the target machine must have: `glibc`, the oldest glibc the ELF files run on (compatibility.glibc). */
  requires?: { glibc?: string };
  /** Extra top-level metadata sections (e.g. "python": {...}); must not collide with known keys. */
  extraMetadata?: Record<string, unknown>;
  /** What the SBOM lists beyond the package, launcher and slots (the Python runtime and distributions). */
  sbom?: SbomInput;
  /** What the build was made from, for the signed provenance (docs/supply-chain.md). */
  provenance?: ProvenanceInputs;
}

/**
 * The inputs a planner knows (the builder adds the subjects, the launcher, the builder id and the
 * times). Never a build-machine path: names are project-relative.
 */
export interface ProvenanceInputs {
  /** SLSA externalParameters: what the user chose (the project file, the pack options that matter). */
  externalParameters: Record<string, unknown>;
  /** SLSA resolvedDependencies: project and lock files, interpreter, tools — each with its digest. */
  resolvedDependencies: ResourceDescriptor[];
}
