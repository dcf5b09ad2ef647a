// The `runtime.env` table, the one rule for every build input (build manifests and pyproject.toml):
//   unset = ["NAME", "LC_*", "*"]   names or globs removed from the environment
//   pass  = ["HOME", "LC_*"]        names or globs protected from unset/map
//   set   = { NAME = "value" }      assignments ({workenv} / $FLAVOR_WORKENV substituted by the launcher)
//   map   = { OLD = "NEW" }         renames (OLD read before unset applies)
// Reading a *package* checks only the shape (format/metadata.ts), exactly like the Go launcher.

import type { Checker, Table } from './checker.js';

export interface RuntimeEnv {
  /** Names or globs to remove; "*" removes everything not protected by `pass`. */
  unset?: string[];
  /** Names or globs protected from `unset` and `map`. */
  pass?: string[];
  /** Assignments; the launcher substitutes {workenv}, $FLAVOR_WORKENV and the other placeholders. */
  set?: Record<string, string>;
  /** Renames: old name → new name (the old value is read before `unset` applies). */
  map?: Record<string, string>;
}

export const RUNTIME_ENV_KEYS = ['unset', 'pass', 'set', 'map'] as const;
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ENV_GLOB_RE = /^[A-Za-z0-9_*?[\]!-]+$/;
const GLOBS = { pattern: ENV_GLOB_RE, what: 'variable names or globs like "LC_*"' };
const NAMES = 'a table of NAME = "string" with names made of letters, digits and _';

/**
 * Parses the known keys of a runtime.env table; empty entries are left out of the result. Unknown keys
 * are the caller's decision (an error in a build manifest, a warning in pyproject.toml).
 */
export function parseRuntimeEnv(check: Checker, value: unknown, field: string): RuntimeEnv {
  const table: Table = check.table(value, field);
  const env: RuntimeEnv = {};
  const unset = check.optStringList(table.unset, `${field}.unset`, GLOBS);
  const pass = check.optStringList(table.pass, `${field}.pass`, GLOBS);
  const set = check.optStringMap(table.set, `${field}.set`, { names: ENV_NAME_RE, what: NAMES });
  const map = check.optStringMap(table.map, `${field}.map`, {
    names: ENV_NAME_RE,
    values: ENV_NAME_RE,
    what: 'a table of OLD = "NEW" variable names (letters, digits and _)',
  });
  if (unset !== undefined && unset.length > 0) env.unset = [...new Set(unset)];
  if (pass !== undefined && pass.length > 0) env.pass = [...new Set(pass)];
  if (set !== undefined && Object.keys(set).length > 0) env.set = set;
  if (map !== undefined && Object.keys(map).length > 0) env.map = map;
  return env;
}
