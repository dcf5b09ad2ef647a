// The portable runtime's component table: one entry per licence folder the recipe writes, a valid SPDX
// licence for each, a version for each component and each pinned CPython (a version added to the pins
// without its bundled-library row fails here), versions derived from the pins as Debian names them, and
// the expat / libmpdec rows equal to what the pinned CPython tarball carries.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { isFlavorError } from '../../../src/errors.js';
import {
  BUNDLED_IN_CPYTHON,
  componentVersion,
  PORTABLE_COMPONENTS,
  upstreamVersion,
} from '../../../src/python/portable/components.js';
import {
  isGoModulePin,
  LIBRARY_SOURCES,
  PYTHON_SOURCES,
  type SourcePin,
} from '../../../src/python/portable/pins.js';
import { ensureSources } from '../../../src/python/portable/sources.js';
import { REPO_ROOT, TEST_RUNTIME_CACHE } from '../../helpers/cli.js';

const invalid = (pattern: RegExp) => (e: unknown) =>
  isFlavorError(e, 'RUNTIME_COMPONENTS_INVALID') && pattern.test(e.message);

test('the table names exactly the licence folders runtime-recipe/finish.sh writes', () => {
  const finish = readFileSync(join(REPO_ROOT, 'runtime-recipe', 'finish.sh'), 'utf8');
  const written = new Set(
    [...finish.matchAll(/^lic (\S+) |^mkdir -p "\$I\/share\/licenses\/([a-z0-9-]+)"$/gm)].map(
      (m) => m[1] ?? m[2],
    ),
  );
  assert.ok(written.size > 0, 'finish.sh copies licences with `lic <component> …`');
  assert.deepEqual([...written].sort(), Object.keys(PORTABLE_COMPONENTS).sort());
});

test('every licence is an SPDX expression of listed identifiers (or a LicenseRef)', () => {
  const schema = JSON.parse(
    readFileSync(
      join(
        REPO_ROOT,
        'node_modules',
        '@cyclonedx',
        'cyclonedx-library',
        'res',
        'schema',
        'spdx.SNAPSHOT.schema.json',
      ),
      'utf8',
    ),
  ) as { enum: string[] };
  const listed = new Set(schema.enum);
  for (const [name, facts] of Object.entries(PORTABLE_COMPONENTS)) {
    for (const word of facts.license.split(/[\s()]+/).filter(Boolean)) {
      if (['AND', 'OR', 'WITH'].includes(word)) continue;
      assert.ok(
        listed.has(word) || /^LicenseRef-[A-Za-z0-9.-]+$/.test(word),
        `${name}: ${word} is not an SPDX identifier`,
      );
    }
  }
});

test('every component has a version for every pinned CPython', () => {
  for (const minor of Object.keys(PYTHON_SOURCES)) {
    assert.ok(BUNDLED_IN_CPYTHON[minor], `BUNDLED_IN_CPYTHON has no row for Python ${minor}`);
    for (const name of Object.keys(PORTABLE_COMPONENTS)) {
      assert.match(componentVersion(name, minor), /^\d+(\.\d+)+$/, `${name} for Python ${minor}`);
    }
    assert.equal(componentVersion('cpython', minor), PYTHON_SOURCES[minor]!.version);
  }
});

test('a library version is the pin’s upstream version, as Debian’s version names it too', () => {
  const debianUpstream = (pin: SourcePin) =>
    pin.debianVersion
      .replace(/^\d+:/, '')
      .replace(/-[^-]+$/, '')
      .replace(/[.+~](?:dfsg|ds)\d*$/, '');
  const debianPins = [...LIBRARY_SOURCES, ...Object.values(PYTHON_SOURCES)].filter(
    (p): p is SourcePin => !isGoModulePin(p),
  );
  for (const pin of debianPins) {
    assert.equal(upstreamVersion(pin), debianUpstream(pin), pin.file);
  }
  for (const [name, facts] of Object.entries(PORTABLE_COMPONENTS)) {
    if (facts.version.from !== 'pin') continue;
    const pin = LIBRARY_SOURCES.find((p) => p.name === (facts.version as { pin: string }).pin);
    assert.ok(pin, `${name}: no library pin ${JSON.stringify(facts.version)}`);
    assert.equal(componentVersion(name, '3.13'), upstreamVersion(pin));
  }
  assert.equal(upstreamVersion({ file: 'zlib_1.2.13.dfsg.orig.tar.bz2' }), '1.2.13');
  assert.equal(upstreamVersion({ file: 'not-a-debian-tarball.tar.gz' }), undefined);
});

test('a CPython version without its row, or an unknown component, is RUNTIME_COMPONENTS_INVALID', () => {
  assert.throws(() => componentVersion('expat', '3.99'), invalid(/no version of expat .*Python 3\.99/));
  assert.throws(() => componentVersion('cpython', '3.99'), invalid(/no version of cpython/));
  assert.throws(() => componentVersion('ncurses', '3.13'), invalid(/share\/licenses\/ncurses\//));
});

/**
 * The pinned CPython tarball in the runtime cache's sources (the set-up fetches 3.13's), fetched and
 * verified here when missing under CI; elsewhere a missing one skips.
 */
async function cpythonTarball(t: TestContext, minor: string): Promise<string | undefined> {
  const file = join(TEST_RUNTIME_CACHE, 'sources', PYTHON_SOURCES[minor]!.file);
  if (existsSync(file)) return file;
  if (process.env.CI === 'true') {
    await ensureSources(join(TEST_RUNTIME_CACHE, 'sources'), [PYTHON_SOURCES[minor]!], { log: () => {} });
    return file;
  }
  t.skip(
    `${file} is not here (scripts/setup-portable-runtime.sh fetches 3.13's; flavor runtime build the others)`,
  );
  return undefined;
}

function tarMember(tarball: string, member: string): string {
  const r = spawnSync('tar', ['-xOf', tarball, '--wildcards', `*/${member}`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('the expat and libmpdec versions are those of the pinned CPython tarball', async (t) => {
  for (const minor of Object.keys(PYTHON_SOURCES)) {
    const tarball = await cpythonTarball(t, minor);
    if (!tarball) return;
    const expat = tarMember(tarball, 'Modules/expat/expat.h');
    const part = (name: string) => new RegExp(`#\\s*define XML_${name}_VERSION (\\d+)`).exec(expat)?.[1];
    assert.equal(BUNDLED_IN_CPYTHON[minor]!.expat, [part('MAJOR'), part('MINOR'), part('MICRO')].join('.'));
    const mpdec = tarMember(tarball, 'Modules/_decimal/libmpdec/mpdecimal.h');
    assert.equal(BUNDLED_IN_CPYTHON[minor]!.mpdecimal, /#define MPD_VERSION "([^"]+)"/.exec(mpdec)?.[1]);
  }
});
