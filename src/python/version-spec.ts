// A small PEP 440 subset for Python *interpreter* versions: `requires-python` specifier sets
// (">=3.9,<3.13", "~=3.10", "==3.11.*", "!=3.12.0") and the [tool.flavor.python] keys.
// Interpreter versions are plain releases (3.11.7) or pre-releases (3.14.0a1, treated as below 3.14.0).

export interface PyVersion {
  release: number[];
  /** Pre-release marker ("a1", "b2", "rc1"), empty for a final release. */
  pre: string;
}

export interface Clause {
  op: '==' | '!=' | '<=' | '>=' | '<' | '>' | '~=' | '===';
  version: number[];
  /** "==3.11.*" / "!=3.12.*" */
  wildcard: boolean;
  text: string;
}

const VERSION_RE = /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|rc|alpha|beta|c)[-_.]?(\d*))?(?:\+[A-Za-z0-9.]+)?$/i;

export function parsePyVersion(text: string): PyVersion | undefined {
  const m = VERSION_RE.exec(text.trim());
  if (!m || m[1] === undefined) return undefined;
  const release = m[1].split('.').map((part) => Number.parseInt(part, 10));
  const pre = m[2] ? `${m[2].toLowerCase()}${m[3] ?? ''}` : '';
  return { release, pre };
}

export function formatPyVersion(v: PyVersion): string {
  return v.release.join('.') + v.pre;
}

function cmpRelease(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Compare two versions; a pre-release sorts below its final release. */
export function comparePyVersions(a: PyVersion, b: PyVersion): number {
  const r = cmpRelease(a.release, b.release);
  if (r !== 0) return r;
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  return a.pre < b.pre ? -1 : 1;
}

const CLAUSE_RE = /^(===|==|!=|<=|>=|~=|<|>)\s*([0-9][0-9A-Za-z.+_-]*?)(\.\*)?$/;

/** Parse a specifier set; returns an error text instead of throwing (the caller names the key). */
export function parseSpecifierSet(text: string): Clause[] | string {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) return 'empty specifier';
  const clauses: Clause[] = [];
  for (const part of parts) {
    const m = CLAUSE_RE.exec(part);
    if (!m || m[1] === undefined || m[2] === undefined) {
      return `"${part}" is not a version specifier (expected e.g. ">=3.9", "~=3.10", "==3.11.*", "<3.13")`;
    }
    const op = m[1] as Clause['op'];
    const wildcard = m[3] !== undefined;
    const parsed = parsePyVersion(m[2]);
    if (!parsed) return `"${part}": "${m[2]}" is not a version`;
    if (wildcard && op !== '==' && op !== '!=') return `"${part}": ".*" is only allowed with == and !=`;
    if (op === '~=' && parsed.release.length < 2) return `"${part}": ~= needs at least two version parts`;
    clauses.push({ op, version: parsed.release, wildcard, text: part });
  }
  return clauses;
}

function matchesClause(v: PyVersion, c: Clause): boolean {
  const cmp = cmpRelease(v.release, c.version);
  // A pre-release is below the final release with the same numbers.
  const below = cmp < 0 || (cmp === 0 && v.pre !== '');
  switch (c.op) {
    case '==':
    case '===':
      if (c.wildcard) return cmpRelease(v.release.slice(0, c.version.length), c.version) === 0;
      return cmp === 0 && v.pre === '';
    case '!=':
      if (c.wildcard) return cmpRelease(v.release.slice(0, c.version.length), c.version) !== 0;
      return !(cmp === 0 && v.pre === '');
    case '<':
      return below;
    case '<=':
      return below || (cmp === 0 && v.pre === '');
    case '>':
      return cmp > 0;
    case '>=':
      return cmp > 0 || (cmp === 0 && v.pre === '');
    case '~=': {
      const prefix = c.version.slice(0, -1);
      return (
        (cmp > 0 || (cmp === 0 && v.pre === '')) &&
        cmpRelease(v.release.slice(0, prefix.length), prefix) === 0
      );
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
