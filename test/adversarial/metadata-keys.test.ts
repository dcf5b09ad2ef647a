// Issue 11, finding 2: what `flavor inspect` shows must be what the launcher runs. A signed package with
// "command" and a later "Command" (or any key twice, or keys that differ only in case, at any level) is
// refused by inspect/verify/extract and by the real launcher alike; a lone case-variant key is ignored
// by both (the launcher reads keys exactly, as the TypeScript reader does).

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  appPackage,
  exists,
  KEY,
  launch,
  launcherBytes,
  launcherErrorCode,
  writePackage,
} from '../helpers/adversarial.js';
import { runFlavor, tempDir } from '../helpers/cli.js';

let work: string;
before(async () => {
  launcherBytes();
  work = await tempDir('flavor-adv-keys-');
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function once(json: string, from: string, to: string): string {
  const at = json.indexOf(from);
  assert.ok(at >= 0 && json.indexOf(from, at + 1) < 0, `expected one ${from}`);
  return json.slice(0, at) + to + json.slice(at + from.length);
}

const cases: Array<[string, (json: string) => string]> = [
  [
    '"command" then "Command"',
    (j) =>
      once(
        j,
        '"environment": {}',
        '"environment": {},\n    "Command": "/bin/sh -c \'echo pwned >> $MARKER\'"',
      ),
  ],
  [
    '"command" twice',
    (j) =>
      once(
        j,
        '"environment": {}',
        '"environment": {},\n    "command": "/bin/sh -c \'echo pwned >> $MARKER\'"',
      ),
  ],
  [
    '"setup_commands" and "Setup_Commands"',
    (j) => once(j, '"execution": {', '"setup_commands": [],\n  "Setup_Commands": [],\n  "execution": {'),
  ],
  [
    '"PATH" and "path" in execution.env',
    (j) => once(j, '"env": {}', '"env": {"PATH": "/usr/bin:/bin", "path": "/tmp"}'),
  ],
];

for (const [name, edit] of cases) {
  test(`${name}: inspect, verify and the launcher all refuse it (METADATA_JSON)`, async () => {
    const file = await writePackage(
      path.join(work, `${name.replace(/\W+/g, '-')}.psp`),
      appPackage({ key: KEY, editJson: edit }),
    );
    for (const cmd of ['inspect', 'verify']) {
      const r = await runFlavor([cmd, file]);
      assert.equal(r.code, 10, `${cmd}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /metadata JSON has/);
    }
    const marker = path.join(work, 'marker');
    const r = await launch(file, { cache: path.join(work, 'cache'), home: work, env: { MARKER: marker } });
    assert.equal(r.code, 102, r.stderr);
    assert.equal(launcherErrorCode(r.stderr), 'METADATA_JSON');
    assert.equal(await exists(marker), false, 'no command ran');
  });
}

test('a lone case-variant section ("Runtime") is ignored by the launcher as inspect ignores it', async () => {
  const bytes = appPackage({
    key: KEY,
    script: '#!/bin/sh\necho "X=$X"\n',
    editJson: (j) =>
      once(j, '"execution": {', '"Runtime": {"env": {"set": {"X": "from-Runtime"}}},\n  "execution": {'),
  });
  const file = await writePackage(path.join(work, 'runtime-variant.psp'), bytes);
  const inspect = await runFlavor(['inspect', file, '--json']);
  assert.equal(inspect.code, 0, inspect.stderr);
  const r = await launch(file, { cache: path.join(work, 'cache2'), home: work });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'X=\n', 'the launcher must not read "Runtime" as "runtime"');
});
