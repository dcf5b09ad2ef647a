// PEP 440 versions and specifier sets, for Python *interpreter* versions: `requires-python`
// (">=3.9,<3.13", "~=3.10", "==3.11.*", "!=3.12.0", ">=3.14.0rc1") and the [tool.flavor.python] keys.
//
// Ordering (PEP 440 "Summary of permitted suffixes and relative ordering"), for one release number:
//   3.14.0.dev1 < 3.14.0a1.dev1 < 3.14.0a1 < 3.14.0a2 < 3.14.0a10 < 3.14.0b1 < 3.14.0rc1 < 3.14.0rc2
//   < 3.14.0 < 3.14.0.post1.dev1 < 3.14.0.post1 < 3.14.1
// Numbers compare as numbers (a10 > a9); the release is zero-padded (3.14 == 3.14.0); the epoch ("1!")
// comes first; a local label ("+ubuntu1") does not take part in ordering.

export interface PyVersion {
  epoch: number;
  release: number[];
  /** Pre-release: a < b < rc, then the number. Absent for a final release. */
  pre?: { kind: 'a' | 'b' | 'rc'; n: number };
  post?: number;
  dev?: number;
  /** The local label after "+", lower-cased, if any. */
  local?: string;
}

export interface Clause {
  op: '==' | '!=' | '<=' | '>=' | '<' | '>' | '~=' | '===';
  version: PyVersion;
  /** "==3.11.*" / "!=3.12.*" */
  wildcard: boolean;
  text: string;
}

// PEP 440 appendix: the canonical public version regular expression (with the normalisations it allows).
const VERSION_RE =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

const PRE_KIND: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

export function parsePyVersion(text: string): PyVersion | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m || m[2] === undefined) return undefined;
  const num = (s: string | undefined) => (s === undefined ? 0 : Number.parseInt(s, 10));
  const v: PyVersion = { epoch: num(m[1]), release: m[2].split('.').map((p) => Number.parseInt(p, 10)) };
  if (m[3] !== undefined) v.pre = { kind: PRE_KIND[m[3].toLowerCase()]!, n: num(m[4]) };
  if (m[5] !== undefined) v.post = num(m[5]);
  else if (m[6] !== undefined) v.post = num(m[7]);
  if (m[8] !== undefined) v.dev = num(m[9]);
  if (m[10] !== undefined) v.local = m[10].toLowerCase().replace(/[-_]/g, '.');
  return v;
}

/** The normalised form: "3.14.0rc1", "3.11.7.post1", "1!2.0.dev3". */
export function formatPyVersion(v: PyVersion): string {
  let text = `${v.epoch === 0 ? '' : `${v.epoch}!`}${v.release.join('.')}`;
  if (v.pre) text += `${v.pre.kind}${v.pre.n}`;
  if (v.post !== undefined) text += `.post${v.post}`;
  if (v.dev !== undefined) text += `.dev${v.dev}`;
  return v.local === undefined ? text : `${text}+${v.local}`;
}

function sign(d: number): number {
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

function cmpRelease(a: readonly number[], b: readonly number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return sign(d);
  }
  return 0;
}

const PRE_RANK = { a: 0, b: 1, rc: 2 } as const;

/**
 * The pre-release position of a version inside its release, as a comparable pair:
 * a dev release of the final (no pre, no post) sorts below every pre-release; a final above them all.
 */
function preKey(v: PyVersion): [number, number] {
  if (v.pre) return [PRE_RANK[v.pre.kind], v.pre.n];
  if (v.post === undefined && v.dev !== undefined) return [-1, 0];
  return [3, 0];
}

/** PEP 440 order of two versions (the local label is ignored). */
export function comparePyVersions(a: PyVersion, b: PyVersion): number {
  if (a.epoch !== b.epoch) return sign(a.epoch - b.epoch);
  const release = cmpRelease(a.release, b.release);
  if (release !== 0) return release;
  const [pa, pb] = [preKey(a), preKey(b)];
  if (pa[0] !== pb[0]) return sign(pa[0] - pb[0]);
  if (pa[1] !== pb[1]) return sign(pa[1] - pb[1]);
  const post = (a.post ?? -1) - (b.post ?? -1);
  if (post !== 0) return sign(post);
  if (a.dev === b.dev) return 0;
  if (a.dev === undefined) return 1; // 3.14.0 > 3.14.0.dev1
  if (b.dev === undefined) return -1;
  return sign(a.dev - b.dev);
}

const isPre = (v: PyVersion) => v.pre !== undefined || v.dev !== undefined;
/** The same version without its pre/post/dev/local parts (PEP 440 "base version"). */
const base = (v: PyVersion): PyVersion => ({ epoch: v.epoch, release: v.release });

const CLAUSE_RE = /^(===|==|!=|<=|>=|~=|<|>)\s*([^\s,]+?)(\.\*)?$/;

/** Parse a specifier set; returns an error text instead of throwing (the caller names the key). */
export function parseSpecifierSet(text: string): Clause[] | string {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) return 'empty specifier';
  const clauses: Clause[] = [];
  for (const part of parts) {
    const clause = parseClause(part);
    if (typeof clause === 'string') return clause;
    clauses.push(clause);
  }
  return clauses;
}

function parseClause(part: string): Clause | string {
  const m = CLAUSE_RE.exec(part);
  if (!m || m[1] === undefined || m[2] === undefined) {
    return `"${part}" is not a version specifier (expected e.g. ">=3.9", "~=3.10", "==3.11.*", "<3.13")`;
  }
  const op = m[1] as Clause['op'];
  const wildcard = m[3] !== undefined;
  const version = parsePyVersion(m[2]);
  if (!version) return `"${part}": "${m[2]}" is not a version`;
  if (wildcard && op !== '==' && op !== '!=') return `"${part}": ".*" is only allowed with == and !=`;
  if (wildcard && (version.pre || version.post !== undefined || version.dev !== undefined)) {
    return `"${part}": ".*" follows a release number only (e.g. "==3.11.*")`;
  }
  if (op === '~=' && version.release.length < 2) return `"${part}": ~= needs at least two version parts`;
  if (version.local !== undefined && op !== '==' && op !== '!=' && op !== '===') {
    return `"${part}": a local version label ("+…") is only allowed with == and !=`;
  }
  return { op, version, wildcard, text: part };
}

/** "==3.11.*": the candidate's release starts with 3.11 (its pre/post/dev parts do not matter). */
function prefixMatch(v: PyVersion, prefix: PyVersion): boolean {
  const padded = [...v.release, ...Array(Math.max(0, prefix.release.length - v.release.length)).fill(0)];
  return v.epoch === prefix.epoch && cmpRelease(padded.slice(0, prefix.release.length), prefix.release) === 0;
}

/** "==3.11.7": equal, with the candidate's local label ignored unless the clause has one. */
function exactMatch(v: PyVersion, c: PyVersion): boolean {
  if (comparePyVersions(v, c) !== 0) return false;
  return c.local === undefined || v.local === c.local;
}

function matchesClause(v: PyVersion, c: Clause): boolean {
  const cv = c.version;
  const cmp = comparePyVersions(v, cv);
  switch (c.op) {
    case '===':
      return formatPyVersion(v) === formatPyVersion(cv);
    case '==':
      return c.wildcard ? prefixMatch(v, cv) : exactMatch(v, cv);
    case '!=':
      return c.wildcard ? !prefixMatch(v, cv) : !exactMatch(v, cv);
    case '<=':
      return cmp <= 0;
    case '>=':
      return cmp >= 0;
    case '<':
      // "<3.14" does not admit 3.14.0a1 (a pre-release of the excluded version) unless it names one itself.
      return cmp < 0 && (isPre(cv) || !isPre(v) || comparePyVersions(base(v), base(cv)) !== 0);
    case '>':
      // ">3.11" does not admit 3.11.post1 (a post-release of the excluded version) unless it names one.
      return (
        cmp > 0 &&
        (cv.post !== undefined || v.post === undefined || comparePyVersions(base(v), base(cv)) !== 0)
      );
    case '~=': {
      const prefix = { epoch: cv.epoch, release: cv.release.slice(0, -1) };
      return cmp >= 0 && prefixMatch(v, prefix);
    }
  }
  return false;
}

export function matchesSpecifiers(v: PyVersion, clauses: readonly Clause[]): boolean {
  return clauses.every((c) => matchesClause(v, c));
}

export function clausesToString(clauses: readonly Clause[]): string {
  return clauses.map((c) => c.text).join(',');
}
