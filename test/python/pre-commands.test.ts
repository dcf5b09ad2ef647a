// pre-commands.ts: commands run in the project folder with the build env, output shown; the first failure
// stops with the key, the command and its exit code.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import { runPreCommands } from '../../src/python/pre-commands.js';
import type { PythonBuildEvent } from '../../src/python/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-pre-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('commands run in order in the project folder with the env; their output is logged', async () => {
  const events: PythonBuildEvent[] = [];
  await runPreCommands({
    key: 'pre_build_commands',
    commands: ['echo "$GREETING" > made.txt', 'cat made.txt; pwd'],
    cwd: tmp,
    env: { PATH: process.env.PATH, GREETING: 'hi from env' },
    log: (e) => events.push(e),
  });
  assert.ok(existsSync(join(tmp, 'made.txt')));
  const text = events.map((e) => e.message).join('\n');
  assert.match(text, /tool\.flavor\.build\.pre_build_commands\[0\]: \$ echo/);
  assert.match(text, /\| hi from env/);
  assert.match(text, new RegExp(`\\| ${tmp}`));
});

test('a failing command stops the pack naming it and its exit code; later commands do not run', async () => {
  await assert.rejects(
    runPreCommands({
      key: 'pre_install_commands',
      commands: ['echo before', 'echo broken >&2; exit 7', 'touch never.txt'],
      cwd: tmp,
      env: { PATH: process.env.PATH },
      log: () => {},
    }),
    (e: unknown) =>
      isFlavorError(e, 'TOOL_FAILED') &&
      e.message.includes(
        'tool.flavor.build.pre_install_commands[1] `echo broken >&2; exit 7` failed (exit code 7)',
      ) &&
      e.message.includes('broken'),
  );
  assert.equal(existsSync(join(tmp, 'never.txt')), false);
});
