// Projects without a [project] table: Poetry ([tool.poetry]) and setup.cfg-only (setuptools) projects.
// Each is read into the same project fields a [project] table gives (name, version, description,
// requires-python, scripts), so the rest of the pipeline does not know the difference.

import { FlavorError } from '../errors.js';
import { isTable, type Table } from '../schema/checker.js';

/** What [project] (or its Poetry / setup.cfg equivalent) gives the pipeline. */
export interface ProjectFields {
  name: string;
  /** Undefined: taken from the built wheel. */
  version: string | undefined;
  description: string | undefined;
  dependencies: string[];
  requiresPython: string | undefined;
  /** "name = module:function" pairs as written. */
  scripts: Record<string, unknown>;
  /** The key requires-python came from, e.g. "tool.poetry.dependencies.python". */
  requiresPythonKey: string;
  /** The key scripts came from, e.g. "tool.poetry.scripts". */
  scriptsKey: string;
}

function bad(key: string, value: unknown, expected: string, path: string, file: string): FlavorError {
  return new FlavorError(
    'PROJECT_INVALID',
    `invalid ${key} = ${JSON.stringify(value)}: expected ${expected}`,
    {
      path,
      hint: `fix ${key} in ${file}`,
      details: { key, value },
    },
  );
}

/** "3.9" → [3, 9]; undefined when not dotted numbers. */
function numbers(version: string): number[] | undefined {
  if (!/^\d+(\.\d+)*$/.test(version)) return undefined;
  return version.split('.').map(Number);
}

/** Upper bound of a caret range: bump the first non-zero component (^0.2.3 → 0.3, ^3.9 → 4). */
function caretUpper(parts: number[]): string {
  const index = parts.findIndex((n) => n !== 0);
  const at = index === -1 ? parts.length - 1 : index;
  return [...parts.slice(0, at), (parts[at] as number) + 1].join('.');
}

/** Upper bound of a tilde range: ~3 → 4, ~3.10 and ~3.10.1 → 3.11. */
function tildeUpper(parts: number[]): string {
  const at = parts.length === 1 ? 0 : 1;
  return [...parts.slice(0, at), (parts[at] as number) + 1].join('.');
}

/**
 * A Poetry version constraint ("^3.9", "~3.10", ">=3.9,<4", "3.11.*", "*") as a PEP 440 specifier set;
 * a string naming the problem when it cannot be converted ("||" has no PEP 440 equivalent).
 */
export function poetryConstraintToPep440(text: string): string | { problem: string } {
  if (text.includes('||') || /(^|\s)\|(\s|$)/.test(text)) {
    return { problem: '"||" (either-or) has no PEP 440 equivalent' };
  }
  const clauses: string[] = [];
  for (const raw of text.split(',').flatMap((part) => part.trim().split(/\s+(?=[<>=!~^])/))) {
    const clause = raw.trim().replace(/\s+/g, '');
    if (clause === '' || clause === '*') continue;
    const range = /^(\^|~(?!=))(.+)$/.exec(clause);
    if (range) {
      const parts = numbers(range[2] as string);
      if (!parts) return { problem: `"${clause}" is not a caret/tilde range of a version like 3.9` };
      const upper = range[1] === '^' ? caretUpper(parts) : tildeUpper(parts);
      clauses.push(`>=${range[2]}`, `<${upper}`);
    } else if (/^\d/.test(clause)) {
      clauses.push(`==${clause}`);
    } else {
      clauses.push(clause);
    }
  }
  return clauses.join(',');
}

/** [tool.poetry]: name, version, description, dependencies.python, scripts. */
export function readPoetryTable(poetry: Table, path: string): ProjectFields {
  const file = 'pyproject.toml';
  const name = poetry.name;
  if (typeof name !== 'string' || name === '') {
    throw bad('tool.poetry.name', name, 'the distribution name (a string)', path, file);
  }
  const version = poetry.version;
  if (version !== undefined && (typeof version !== 'string' || !/^\S+$/.test(version))) {
    throw bad('tool.poetry.version', version, 'a version string like "1.0.0"', path, file);
  }
  const description = typeof poetry.description === 'string' ? poetry.description : undefined;
  const deps = isTable(poetry.dependencies) ? poetry.dependencies : {};
  const python = deps.python;
  let requiresPython: string | undefined;
  if (python !== undefined) {
    if (typeof python !== 'string') {
      throw bad('tool.poetry.dependencies.python', python, 'a version constraint like "^3.9"', path, file);
    }
    const converted = poetryConstraintToPep440(python);
    if (typeof converted !== 'string') {
      throw bad(
        'tool.poetry.dependencies.python',
        python,
        `a constraint like "^3.9" or ">=3.9,<4" (${converted.problem})`,
        path,
        file,
      );
    }
    requiresPython = converted === '' ? undefined : converted;
  }
  const scripts = poetry.scripts === undefined ? {} : poetry.scripts;
  if (!isTable(scripts)) {
    throw bad('tool.poetry.scripts', scripts, 'a table of name = "module:function"', path, file);
  }
  return {
    name,
    version: version as string | undefined,
    description,
    dependencies: Object.keys(deps).filter((d) => d !== 'python'),
    requiresPython,
    scripts: poetryScripts(scripts),
    requiresPythonKey: 'tool.poetry.dependencies.python',
    scriptsKey: 'tool.poetry.scripts',
  };
}

/** Poetry scripts are "module:function" or { callable = "module:function" } (older { reference, type }). */
function poetryScripts(scripts: Table): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(scripts)) {
    if (isTable(value)) out[name] = value.callable ?? (value.type === 'console' ? value.reference : value);
    else out[name] = value;
  }
  return out;
}

/**
 * A minimal INI reader for setup.cfg and entry_points.txt: sections of key = value, indented continuation
 * lines. `normalizeKeys` (setup.cfg) makes "python-requires" and "Python_Requires" both "python_requires".
 */
export function parseIni(text: string, normalizeKeys = true): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(line)) continue;
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const sectionName = (header[1] as string).trim();
      section = sections[sectionName] ?? {};
      sections[sectionName] = section;
      last = undefined;
      continue;
    }
    if (/^\s/.test(line) && section && last !== undefined) {
      section[last] = `${section[last]}\n${line.trim()}`;
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (pair && section) {
      const key = (pair[1] as string).trim();
      last = normalizeKeys ? key.toLowerCase().replace(/-/g, '_') : key;
      section[last] = (pair[2] as string).trim();
    }
  }
  return sections;
}

/** setup.cfg: [metadata] name/version/description, [options] python_requires, [options.entry_points]. */
export function readSetupCfg(text: string, path: string): ProjectFields {
  const ini = parseIni(text);
  const metadata = ini.metadata ?? {};
  const name = metadata.name;
  if (name === undefined || name === '') {
    throw new FlavorError('PROJECT_INVALID', 'setup.cfg has no [metadata] name', {
      path,
      hint: 'add [metadata] name = my-app and version = 1.0 to setup.cfg (or add a pyproject.toml with [project])',
    });
  }
  const version = metadata.version;
  return {
    name,
    // "attr: pkg.__version__" / "file: VERSION" are resolved by setuptools: taken from the built wheel.
    version: version === undefined || /^(attr|file)\s*:/.test(version) ? undefined : version,
    description: metadata.description,
    dependencies: splitList(ini.options?.install_requires),
    requiresPython: ini.options?.python_requires || undefined,
    scripts: consoleScripts(ini['options.entry_points']?.console_scripts),
    requiresPythonKey: 'setup.cfg [options] python_requires',
    scriptsKey: 'setup.cfg [options.entry_points] console_scripts',
  };
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\n;]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** "name = module:function" lines (console_scripts in setup.cfg or a wheel's entry_points.txt). */
export function consoleScripts(value: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of splitList(value)) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
