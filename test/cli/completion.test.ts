// `flavor completion bash|zsh|fish`: each script parses in its shell (bash -n, zsh -n, fish -n), and
// completes commands, group subcommands and options as the command definitions say — bash by calling its
// function with COMP_WORDS, fish through `complete -C`, zsh by the words its case arms offer.
// zsh and fish are installed by .ci/run; under CI=true a missing shell fails the test.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMMON_OPTIONS } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { runFlavor, tempDir } from '../helpers/cli.js';

let dir: string;
const scripts: Record<string, string> = {};

function shellAvailable(shell: string): boolean {
  const found = spawnSync(shell, ['-c', 'exit 0']).status === 0;
  if (!found && process.env.CI === 'true') throw new Error(`${shell} is not installed (.ci/run installs it)`);
  return found;
}

before(async () => {
  dir = await tempDir('flavor-completion-');
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runFlavor(['completion', shell]);
    assert.equal(r.code, 0, r.stderr);
    scripts[shell] = path.join(dir, `flavor.${shell}`);
    await fs.writeFile(scripts[shell], r.stdout);
  }
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Runs the bash completion function for the words typed so far (the last one is being completed). */
function bashComplete(words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `source "$0"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _flavor; printf '%s\\n' "\${COMPREPLY[@]}"`,
      scripts.bash!,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

const optionsOf = (name: string) => {
  const def = COMMANDS.find((c) => c.name === name)!;
  return Object.keys({ ...def.options, ...COMMON_OPTIONS }).map((o) => `--${o}`);
};

describe('bash', () => {
  test('the script is valid bash (bash -n)', () => {
    const r = spawnSync('bash', ['-n', scripts.bash!], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  test('first word: every command and group', () => {
    const got = bashComplete(['flavor', '']);
    for (const c of COMMANDS) assert.ok(got.includes(c.name.split(' ')[0]!), `${c.name} missing`);
    assert.deepEqual(bashComplete(['flavor', 'ver']), ['verify']);
  });

  test('a group offers its subcommands', () => {
    const helpers = COMMANDS.filter((c) => c.name.startsWith('helpers ')).map((c) => c.name.split(' ')[1]);
    assert.deepEqual(bashComplete(['flavor', 'helpers', '']).sort(), [...helpers, '--help'].sort());
    assert.deepEqual(bashComplete(['flavor', 'workenv', 'in']).sort(), ['info', 'inspect']);
  });

  test("every command's options, including group subcommands", () => {
    for (const c of COMMANDS) {
      const got = bashComplete(['flavor', ...c.name.split(' '), '--']);
      assert.deepEqual(new Set(got), new Set(optionsOf(c.name)), c.name);
    }
  });

  test('after an option that takes a value, no words (the shell completes file names)', () => {
    assert.deepEqual(bashComplete(['flavor', 'pack', '--manifest', '']), []);
    assert.deepEqual(bashComplete(['flavor', 'pack', '-m', 'x.toml', '--ou']), ['--output']);
  });

  test('completion offers the shells', () => {
    assert.deepEqual(bashComplete(['flavor', 'completion', 'z']), ['zsh']);
  });
});

describe('zsh', () => {
  test('the script is valid zsh (zsh -n) and is a #compdef function', {
    skip: !shellAvailable('zsh') && 'zsh not installed',
  }, async () => {
    const r = spawnSync('zsh', ['-n', scripts.zsh!], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const text = await fs.readFile(scripts.zsh!, 'utf8');
    assert.match(text, /^#compdef flavor\n/);
    for (const c of COMMANDS) {
      const arm = new RegExp(`^ {4}"${c.name}"\\) cands=\\(([^)]*)\\) ;;$`, 'm').exec(text);
      assert.ok(arm, `no case arm for ${c.name}`);
      for (const option of optionsOf(c.name))
        assert.ok(arm[1]!.split(' ').includes(option), `${c.name} ${option}`);
    }
  });
});

describe('fish', () => {
  const fish = (line: string) => {
    const r = spawnSync(
      'fish',
      ['--no-config', '-c', `source $argv[1]; complete -C '${line}'`, scripts.fish!],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!);
  };
  const skip = !shellAvailable('fish') && 'fish not installed';

  test('the script is valid fish (fish -n)', { skip }, () => {
    const r = spawnSync('fish', ['-n', scripts.fish!], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  test('commands, group subcommands and options complete', { skip }, () => {
    const top = fish('flavor ');
    for (const c of COMMANDS) assert.ok(top.includes(c.name.split(' ')[0]!), `${c.name} missing`);
    assert.deepEqual(fish('flavor helpers ').sort(), ['build', 'clean', 'info', 'list', 'test']);
    assert.deepEqual(new Set(fish('flavor verify x.psp --')), new Set(optionsOf('verify')));
    assert.deepEqual(new Set(fish('flavor workenv list --')), new Set(optionsOf('workenv list')));
  });
});

test('an unknown shell is a usage error (exit 2) naming the choices', async () => {
  const r = await runFlavor(['completion', 'tcsh']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown shell "tcsh": choose one of bash, zsh, fish/);
});
