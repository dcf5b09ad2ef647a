// docs/ci.md's templates stay runnable: both YAML blocks parse (GitHub Actions and GitLab CI), and every
// `flavor …` command in their shell steps is a real command whose options and arguments the CLI's own
// parser (parseCommandArgs over the command definitions) accepts. Each template packs with a key and
// verifies against a fingerprint pinned in the file.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { type CommandDefinition, parseCommandArgs } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands/index.js';

const DOC = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');

interface Invocation {
  def: CommandDefinition;
  args: string[];
  values: Record<string, unknown>;
  line: string;
}

/** The fenced ```yaml blocks of the page. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** Every string in a parsed YAML document (step `run:`, job `script:` items, …). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** Shell words of one simple command, quotes removed; stops at a redirection. */
function words(command: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\d*>>?|<)|([^\s"'<>]+)/g;
  let word: string | undefined;
  for (const m of command.matchAll(re)) {
    if (m[3] !== undefined) break;
    const part = m[1] ?? m[2] ?? m[4] ?? '';
    const glued = m.index! > 0 && !/\s/.test(command[m.index! - 1]!) && word !== undefined;
    if (glued) word += part;
    else {
      if (word !== undefined) out.push(word);
      word = part;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** The `flavor …` commands in a shell script (continuation lines joined; split at ; && || | and newlines). */
function flavorCommands(script: string): string[][] {
  return script
    .replace(/\\\n/g, ' ')
    .split(/\n|&&|\|\||;|\|/)
    .map((c) => words(c.trim()))
    .map((w) => (w[0] === 'npx' ? w.slice(1) : w))
    .filter((w) => w[0] === 'flavor')
    .map((w) => w.slice(1));
}

function invocations(doc: unknown): Invocation[] {
  return strings(doc).flatMap((script) =>
    flavorCommands(script).map((argv) => {
      const line = `flavor ${argv.join(' ')}`;
      const def = [2, 1]
        .map((n) => COMMANDS.find((c) => c.name === argv.slice(0, n).join(' ')))
        .find((d) => d !== undefined);
      assert.ok(def, `${line}: no such command`);
      const rest = argv.slice(def.name.split(' ').length);
      try {
        const { args, values } = parseCommandArgs(def, rest);
        return { def, args, values, line };
      } catch (error) {
        throw new Error(`${line}: ${(error as Error).message}`);
      }
    }),
  );
}

const blocks = yamlBlocks(DOC);

test('docs/ci.md has a GitHub Actions workflow and a GitLab CI job, both valid YAML', () => {
  assert.equal(blocks.length, 2);
  const [github, gitlab] = blocks.map((b) => parse(b) as Record<string, unknown>);
  assert.ok(github?.on && github.jobs, 'the first block is a GitHub workflow (on:, jobs:)');
  const job = (gitlab as Record<string, Record<string, unknown>>).package;
  assert.ok(Array.isArray(job?.script), 'the second block is a GitLab job with a script');
});

for (const [name, index] of [
  ['GitHub Actions', 0],
  ['GitLab CI', 1],
] as const) {
  describe(name, () => {
    const doc = parse(blocks[index]!) as unknown;
    const found = (): Invocation[] => invocations(doc);

    test('every flavor command exists and its options parse', () => {
      const all = found();
      assert.ok(all.length >= 2, `only ${all.length} flavor commands found`);
    });

    test('it packs with a signing key and embeds the trusted key', () => {
      const pack = found().find((i) => i.def.name === 'pack');
      assert.ok(pack, 'no flavor pack');
      assert.ok(pack.values['private-key'], `${pack.line}: no --private-key`);
      assert.ok(pack.values['trust-key'], `${pack.line}: no --trust-key`);
    });

    test('it verifies against a fingerprint pinned in the file', () => {
      const verify = found().find((i) => i.def.name === 'verify');
      assert.ok(verify, 'no flavor verify');
      const keys = verify.values.key as string[];
      assert.deepEqual(keys, ['$FLAVOR_KEY_FINGERPRINT']);
      const pinned = strings(doc).filter((s) => /^sha256:[0-9a-f]{64}$/.test(s));
      assert.equal(pinned.length, 1, 'FLAVOR_KEY_FINGERPRINT: sha256:<64 hex digits> is set once');
    });
  });
}

test('the extractor finds what it should and the parser refuses what does not exist', () => {
  assert.deepEqual(flavorCommands('a && npx flavor verify "x y.psp" --key k > out.json | tee'), [
    ['verify', 'x y.psp', '--key', 'k'],
  ]);
  assert.deepEqual(words('flavor pack --output "$DIR"/a.psp 2> err'), [
    'flavor',
    'pack',
    '--output',
    '$DIR/a.psp',
  ]);
  assert.throws(() => invocations({ run: 'flavor pack --frobnicate' }), /unknown option '--frobnicate'/);
  assert.throws(() => invocations({ run: 'flavor sign x.psp' }), /no such command/);
  assert.throws(() => invocations({ run: 'flavor verify' }), /usage: flavor verify PKG/);
});
