// Import-direction rules, as a statement of policy. Scans every import/export-from of src/**/*.ts:
//   schema/   → its own files only (shape checks shared by every document reader; no I/O, no errors.ts)
//   format/   → ../errors.js, schema/ and its own files only (no node:fs, node:zlib, node:crypto)
//   crypto/   → errors + node built-ins
//   payload/  → errors + node built-ins + its npm dependencies
//   sbom/     → errors, crypto and its own files (the SBOM model: pure, no I/O)
//   builder/, reader/ → format, sbom, crypto, payload, errors, version, workenv/identity (+ node built-ins, npm deps)
//   python/   → never reader/, workenv/ or cli/
//   nobody outside cli/ imports cli/; api/ (the library behind src/index.ts) is imported only by cli/ and index.ts
//   no import cycles anywhere in src/ (type-only imports count too)

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const PAYLOAD_DEPS = new Set(['tar', 'fzstd', '@bokuweb/zstd-wasm', 'xz-decompress', 'unbzip2-stream']);
const BUILTINS = new Set(builtinModules);

interface Import {
  file: string; // relative to src/, with /
  spec: string;
  /** Resolved target relative to src/ for relative imports. */
  target?: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

function imports(): Import[] {
  const out: Import[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const abs of walk(SRC)) {
    const file = path.relative(SRC, abs).split(path.sep).join('/');
    const text = readFileSync(abs, 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const target = spec.startsWith('.')
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts')
        : undefined;
      out.push({ file, spec, ...(target === undefined ? {} : { target }) });
    }
  }
  return out;
}

const ALL = imports();
const folder = (p: string) => (p.includes('/') ? p.split('/')[0]! : '');
const isBuiltin = (spec: string) => spec.startsWith('node:') || BUILTINS.has(spec);
const pkgName = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;

function violations(filter: (i: Import) => boolean, allowed: (i: Import) => boolean): string[] {
  return ALL.filter((i) => filter(i) && !allowed(i)).map((i) => `${i.file} imports "${i.spec}"`);
}

test('the scanner sees the source tree', () => {
  assert.ok(ALL.length > 100, `only ${ALL.length} imports found`);
  assert.ok(ALL.some((i) => i.file === 'format/index.ts' && i.spec === './bytes.js'));
  assert.ok(
    ALL.some((i) => i.file.startsWith('payload/') && i.spec === 'fzstd'),
    'dynamic import() not seen',
  );
});

test('schema/ imports only its own files', () => {
  const bad = violations(
    (i) => folder(i.file) === 'schema',
    (i) => i.target !== undefined && folder(i.target) === 'schema',
  );
  assert.deepEqual(bad, [], 'schema/ is a leaf every layer may import: it must import nothing else');
});

test('format/ imports only ../errors.js, schema/ and its own files', () => {
  const bad = violations(
    (i) => folder(i.file) === 'format',
    (i) =>
      i.target !== undefined &&
      (i.target === 'errors.ts' || folder(i.target) === 'format' || folder(i.target) === 'schema'),
  );
  assert.deepEqual(bad, [], 'format/ must stay pure: no I/O, no compression, no crypto, no other folder');
});

test('crypto/ imports only errors and node built-ins', () => {
  const bad = violations(
    (i) => folder(i.file) === 'crypto',
    (i) =>
      isBuiltin(i.spec) ||
      (i.target !== undefined && (i.target === 'errors.ts' || folder(i.target) === 'crypto')),
  );
  assert.deepEqual(bad, []);
});

test('payload/ imports only errors, node built-ins and its npm dependencies', () => {
  const bad = violations(
    (i) => folder(i.file) === 'payload',
    (i) =>
      isBuiltin(i.spec) ||
      PAYLOAD_DEPS.has(pkgName(i.spec)) ||
      (i.target !== undefined && (i.target === 'errors.ts' || folder(i.target) === 'payload')),
  );
  assert.deepEqual(bad, []);
});

test('sbom/ imports only errors, crypto and its own files', () => {
  const bad = violations(
    (i) => folder(i.file) === 'sbom',
    (i) =>
      i.target !== undefined &&
      (i.target === 'errors.ts' || folder(i.target) === 'crypto' || folder(i.target) === 'sbom'),
  );
  assert.deepEqual(bad, [], 'sbom/ is the SBOM model: no I/O, no other layer');
});

test('builder/ and reader/ import only format, schema, sbom, crypto, payload, errors, version, workenv/identity', () => {
  const allowedTargets = (t: string) =>
    ['format', 'schema', 'sbom', 'crypto', 'payload'].includes(folder(t)) ||
    ['errors.ts', 'version.ts', 'workenv/identity.ts'].includes(t);
  const bad = violations(
    (i) => folder(i.file) === 'builder' || folder(i.file) === 'reader',
    (i) =>
      i.target === undefined
        ? isBuiltin(i.spec) || i.spec === 'smol-toml'
        : allowedTargets(i.target) || folder(i.target) === folder(i.file),
  );
  assert.deepEqual(bad, []);
});

test('python/ never imports reader/, workenv/ or cli/', () => {
  const bad = violations(
    (i) => folder(i.file) === 'python',
    (i) => i.target === undefined || !['reader', 'workenv', 'cli'].includes(folder(i.target)),
  );
  assert.deepEqual(bad, []);
});

test('nothing outside cli/ imports cli/', () => {
  const bad = violations(
    (i) => folder(i.file) !== 'cli',
    (i) => i.target === undefined || folder(i.target) !== 'cli',
  );
  assert.deepEqual(bad, []);
});

test('only cli/ and index.ts import api/ (the library layer)', () => {
  const bad = violations(
    (i) => !['cli', 'api'].includes(folder(i.file)) && i.file !== 'index.ts',
    (i) => i.target === undefined || folder(i.target) !== 'api',
  );
  assert.deepEqual(bad, []);
});

test('every relative import points at an existing source file', () => {
  const files = new Set(walk(SRC).map((f) => path.relative(SRC, f).split(path.sep).join('/')));
  const missing = ALL.filter(
    (i) => i.target !== undefined && !files.has(i.target) && !i.target.endsWith('.json'),
  );
  assert.deepEqual(
    missing.map((i) => `${i.file} imports "${i.spec}"`),
    [],
  );
});

/** Every import cycle among src/ files, each as "a.ts → b.ts → a.ts" starting at its smallest file. */
function findCycles(edges: ReadonlyArray<readonly [string, string]>): string[] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const cycles = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') {
        const loop = stack.slice(stack.indexOf(to));
        const start = loop.indexOf([...loop].sort()[0]!);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        cycles.add([...rotated, rotated[0]].join(' → '));
      } else if (state.get(to) === undefined) visit(to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...next.keys()].sort()) if (state.get(file) === undefined) visit(file);
  return [...cycles].sort();
}

test('the cycle finder finds cycles (self-check)', () => {
  assert.deepEqual(
    findCycles([
      ['a.ts', 'b.ts'],
      ['b.ts', 'c.ts'],
      ['c.ts', 'a.ts'],
      ['c.ts', 'd.ts'],
      ['x.ts', 'x.ts'],
    ]),
    ['a.ts → b.ts → c.ts → a.ts', 'x.ts → x.ts'],
  );
  assert.deepEqual(
    findCycles([
      ['a.ts', 'b.ts'],
      ['a.ts', 'c.ts'],
      ['b.ts', 'c.ts'],
    ]),
    [],
  );
});

test('no import cycles in src/ (type-only imports included)', () => {
  const edges = ALL.filter((i) => i.target !== undefined).map((i) => [i.file, i.target!] as const);
  assert.ok(edges.length > 100, 'the import graph is suspiciously small');
  assert.deepEqual(findCycles(edges), [], 'break the cycle: move the shared part into its own file');
});
