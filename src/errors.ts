// The one error type of FlavorPack. Every failure a user can meet is a FlavorError with a stable
// `code` (documented in docs/errors.md and shared with the Go launcher and the test vectors),
// a lower-case human `message`, an optional `hint` saying what to do next, and an optional `cause`.

/** Error codes grouped by the layer that raises them. The strings are part of the public contract. */
export const ERROR_CODES = {
  // format/: the byte layout of a package
  FILE_TOO_SMALL: 'format',
  BAD_START_MAGIC: 'format',
  BAD_END_MAGIC: 'format',
  BAD_VERSION: 'format',
  INDEX_CHECKSUM: 'format',
  PACKAGE_SIZE_MISMATCH: 'format',
  LAYOUT_INVALID: 'format',
  SLOT_TABLE_INVALID: 'format',
  SLOT_OUT_OF_BOUNDS: 'format',
  SLOT_OVERLAP: 'format',
  METADATA_TOO_LARGE: 'format',
  METADATA_CHECKSUM: 'integrity',
  METADATA_COMPRESSION: 'format',
  METADATA_JSON: 'format',
  METADATA_SCHEMA: 'format',
  SLOT_COUNT_MISMATCH: 'format',
  UNKNOWN_OPERATION: 'format',
  CHAIN_TOO_LONG: 'format',
  // crypto/ and the verifier
  SIGNATURE_MISSING: 'signature',
  SIGNATURE_INVALID: 'signature',
  UNTRUSTED_KEY: 'signature',
  KEY_FINGERPRINT_MISMATCH: 'signature',
  KEY_INVALID: 'key',
  KEY_EXISTS: 'key',
  KEY_UNPROTECTED: 'key',
  SLOT_KEY_MISSING: 'key',
  SLOT_KEY_INVALID: 'key',
  SLOT_KEY_WRONG: 'key',
  SLOT_CHECKSUM: 'integrity',
  SLOT_DESCRIPTOR_CHECKSUM: 'integrity',
  LAUNCHER_CHECKSUM: 'integrity',
  // provenance: the signed build attestation and the rebuild check (docs/supply-chain.md)
  PROVENANCE_MISSING: 'signature',
  PROVENANCE_INVALID: 'signature',
  PROVENANCE_MISMATCH: 'integrity',
  REBUILD_DIFFERS: 'integrity',
  REBUILD_UNSUPPORTED: 'build',
  // payload/: operation chains and archives
  PAYLOAD_CORRUPT: 'payload',
  PAYLOAD_TOO_LARGE: 'payload',
  UNSAFE_PATH: 'payload',
  UNSAFE_ENTRY: 'payload',
  UNSUPPORTED_OPERATION: 'payload',
  SLOT_DECRYPT_FAILED: 'payload',
  // builder/: manifests and sources
  MANIFEST_INVALID: 'build',
  SOURCE_INVALID: 'build',
  LAUNCHER_NOT_FOUND: 'build',
  LAUNCHER_INVALID: 'build',
  PACKAGE_TEST_FAILED: 'build',
  LAUNCHER_MISMATCH: 'build',
  // python/: the Python packaging pipeline
  PROJECT_INVALID: 'python',
  PYTHON_NOT_FOUND: 'python',
  TOOL_FAILED: 'python',
  ENTRY_POINT_INVALID: 'python',
  TOOL_DOWNLOAD: 'python',
  TOOL_CHECKSUM: 'python',
  RUNTIME_UNAVAILABLE: 'python',
  RUNTIME_PLATFORM_MISMATCH: 'python',
  RUNTIME_COMPONENTS_INVALID: 'python',
  WHEEL_UNAVAILABLE: 'python',
  // workenv/: the per-user cache
  CACHE_ERROR: 'cache',
  CACHE_UNSAFE: 'cache',
  CACHE_BUSY: 'cache',
  // the launcher's service mode (raised by the Go launcher only)
  SERVICE_START_FAILED: 'service',
  SERVICE_PORT_BUSY: 'service',
  SERVICE_NOT_RESPONDING: 'service',
  SERVICE_UNSUPPORTED: 'service',
  // the launcher's platform check (raised by the Go launcher only; docs/launcher.md "The glibc check")
  GLIBC_REQUIRED: 'platform',
  // anywhere
  NOT_FOUND: 'io',
  OUTPUT_EXISTS: 'io',
  IO_ERROR: 'io',
  USAGE: 'usage',
  INTERNAL: 'internal',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorCategory = (typeof ERROR_CODES)[ErrorCode];

/** Process exit code of the `flavor` CLI for each category (docs/errors.md). */
export const EXIT_CODES: Record<ErrorCategory, number> = {
  internal: 1,
  usage: 2,
  io: 3,
  format: 10,
  integrity: 11,
  signature: 12,
  key: 13,
  payload: 14,
  build: 15,
  python: 16,
  cache: 17,
  service: 18,
  platform: 19,
};

export interface FlavorErrorOptions {
  hint?: string;
  cause?: unknown;
  /** The file the error is about; shown to the user. */
  path?: string;
  /** Machine-readable extra facts (region, offset, expected, actual). Never key material. */
  details?: Record<string, unknown>;
}

export class FlavorError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly path: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: FlavorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlavorError';
    this.code = code;
    this.hint = options.hint;
    this.path = options.path;
    this.details = options.details;
  }

  get category(): ErrorCategory {
    return ERROR_CODES[this.code];
  }

  get exitCode(): number {
    return EXIT_CODES[this.category];
  }

  /** A copy of this error that names `path` (used when a lower layer did not know the file). */
  withPath(path: string): FlavorError {
    if (this.path !== undefined) return this;
    const copy = new FlavorError(this.code, this.message, {
      hint: this.hint,
      cause: this.cause,
      path,
      details: this.details,
    });
    copy.stack = this.stack;
    return copy;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isFlavorError(value: unknown, code?: ErrorCode): value is FlavorError {
  return value instanceof FlavorError && (code === undefined || value.code === code);
}

/** Turn any thrown value into a FlavorError; unknown errors become INTERNAL (a bug to report). */
export function toFlavorError(value: unknown, path?: string): FlavorError {
  if (value instanceof FlavorError) return path === undefined ? value : value.withPath(path);
  const sys = value as NodeJS.ErrnoException | undefined;
  if (sys && typeof sys === 'object' && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    const target = sys.path ?? path;
    if (sys.code === 'ENOENT') {
      return new FlavorError('NOT_FOUND', `no such file or directory`, { path: target, cause: value });
    }
    if (sys.code === 'EEXIST') {
      return new FlavorError('OUTPUT_EXISTS', `file already exists`, {
        path: target,
        cause: value,
        hint: 'use --force to overwrite',
      });
    }
    return new FlavorError('IO_ERROR', `${sys.syscall} failed: ${sys.code}`, { path: target, cause: value });
  }
  const message = value instanceof Error ? value.message : String(value);
  return new FlavorError('INTERNAL', `internal error: ${message}`, {
    cause: value,
    path,
    hint: 'this is a bug in flavor; please report it with the output of --debug',
  });
}
