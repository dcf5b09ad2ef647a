// dist-info.ts: name, version, licence and the requirements among the installed distributions.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseMetadataHeaders, readInstalled } from '../../src/python/dist-info.js';

const tmp = mkdtempSync(join(tmpdir(), 'flavor-distinfo-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function dist(dir: string, folder: string, headers: string): void {
  mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(
    join(dir, folder, 'METADATA'),
    `Metadata-Version: 2.1\n${headers}\n\nLicense: in the body, ignored\n`,
  );
}

test('headers: continuation lines join, the body is not read', () => {
  const h = parseMetadataHeaders('Name: a\nLicense: line one\n        line two\n\nName: body');
  assert.deepEqual(h, [
    ['Name', 'a'],
    ['License', 'line one\nline two'],
  ]);
});

test('licence sources in order; requirements limited to what is installed, extras skipped', async () => {
  const site = join(tmp, 'site');
  const app = join(tmp, 'app');
  dist(
    site,
    'rich-13.0.dist-info',
    'Name: rich\nVersion: 13.0\nLicense: MIT\nRequires-Dist: Pygments>=2\nRequires-Dist: markdown_it_py\nRequires-Dist: ipywidgets; extra == "jupyter"',
  );
  dist(
    site,
    'pygments-2.0.dist-info',
    'Name: Pygments\nVersion: 2.0\nLicense-Expression: BSD-2-Clause\nLicense: BSD',
  );
  dist(
    site,
    'markdown_it_py-3.0.dist-info',
    'Name: markdown-it-py\nVersion: 3.0\nClassifier: License :: OSI Approved :: MIT License',
  );
  dist(site, 'nolicense-1.dist-info', 'Name: nolicense\nVersion: 1\nLicense: UNKNOWN');
  dist(
    app,
    'demo-0.1.dist-info',
    'Name: demo\nVersion: 0.1\nRequires-Dist: rich (>=13)\nRequires-Dist: missing-dep',
  );
  const all = await readInstalled(site, app);
  assert.deepEqual(
    all.map((d) => [d.name, d.version, d.license, d.requires, d.slot]),
    [
      ['demo', '0.1', null, ['rich'], 'app'],
      ['markdown-it-py', '3.0', 'MIT License', [], 'site-packages'],
      ['nolicense', '1', null, [], 'site-packages'],
      ['Pygments', '2.0', 'BSD-2-Clause', [], 'site-packages'],
      ['rich', '13.0', 'MIT', ['markdown-it-py', 'pygments'], 'site-packages'],
    ],
  );
});
