// The glibc a package needs (docs/launcher.md, "The glibc check"): `compatibility.glibc` in the signed
// metadata is the highest GLIBC_x.y symbol version any ELF file in the package requires (computed at
// pack time by python/elf-glibc.ts). The launcher refuses to start such a package on a machine with an
// older glibc or another C library (GLIBC_REQUIRED). The same rules are in the launcher
// (launcher/internal/format/glibc.go, launch/glibc.go); testdata/vectors/glibc-requirement.json holds
// the cases both decide.

/** A parsed glibc version: 2 to 4 numbers ("2.17", "2.3.4"). */
export type GlibcVersion = readonly number[];

const PART = /^(0|[1-9][0-9]{0,3})$/;

/** Parses "2.36"-style versions: 2 to 4 dot-separated numbers of at most 4 digits, no leading zeros. */
export function parseGlibcVersion(text: string): GlibcVersion | undefined {
  const parts = text.split('.');
  if (parts.length < 2 || parts.length > 4 || !parts.every((p) => PART.test(p))) return undefined;
  return parts.map(Number);
}

/** -1, 0 or 1 as a is older than, equal to or newer than b (missing parts count as 0). */
export function compareGlibc(a: GlibcVersion, b: GlibcVersion): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The machine's C library as the launcher sees it: glibc with its version, musl, or unknown. */
export type HostLibc = { kind: 'glibc'; version: string } | { kind: 'musl' } | { kind: 'unknown' };

/**
 * Whether a package that needs glibc `required` (undefined: nothing) starts on `host`: an unknown C
 * library (or an unreadable version) does not block; musl or an older glibc does.
 */
export function glibcVerdict(required: string | undefined, host: HostLibc): 'run' | 'GLIBC_REQUIRED' {
  if (required === undefined) return 'run';
  const need = parseGlibcVersion(required);
  if (need === undefined) throw new Error(`not a glibc version: ${required}`);
  if (host.kind === 'musl') return 'GLIBC_REQUIRED';
  if (host.kind === 'unknown') return 'run';
  const have = parseGlibcVersion(host.version);
  if (have === undefined) return 'run';
  return compareGlibc(have, need) < 0 ? 'GLIBC_REQUIRED' : 'run';
}

/** The version this Node runs on (its glibc), as the launcher would find it; unknown elsewhere. */
export function thisMachineLibc(): HostLibc {
  if (process.platform !== 'linux') return { kind: 'unknown' };
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })?.header;
  const version = header?.glibcVersionRuntime;
  return version ? { kind: 'glibc', version } : { kind: 'unknown' };
}
