// The provenance check (reader/provenance.ts through api/verify.ts and `flavor verify --provenance`):
// a real build carries a statement whose subjects are its launcher and slots; signed packages whose
// provenance is missing, signed by another key, altered after signing, of another shape, or about other
// bytes are refused with their own code. The packages are correctly signed by the package key (the
// vector assembler), so what is refused is the provenance, not the package.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { verify } from '../../src/api/verify.js';
import { buildPackage } from '../../src/builder/build.js';
import { provenanceStatement } from '../../src/builder/provenance.js';
import { type DsseEnvelope, signEnvelope } from '../../src/crypto/dsse.js';
import { fingerprint, type SigningKey } from '../../src/crypto/keys.js';
import { keySigner } from '../../src/crypto/signature.js';
import { isFlavorError } from '../../src/errors.js';
import {
  checksumHex,
  DSSE_PAYLOAD_TYPE,
  FLAVOR_BUILDER_ID,
  type PackageMetadata,
  type ProvenanceStatement,
} from '../../src/format/index.js';
import { VERSION } from '../../src/version.js';
import { ATTACKER, appPackage, KEY, LAUNCHER_BIN, writePackage } from '../helpers/adversarial.js';
import { runFlavor } from '../helpers/cli.js';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-provenance-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const EPOCH = 1_767_225_600;

/** A statement about the package `m` describes (its launcher and slots), as the builder writes it. */
function statementFor(m: PackageMetadata): ProvenanceStatement {
  return provenanceStatement({
    inputs: {
      externalParameters: { source: { kind: 'test' } },
      resolvedDependencies: [{ name: 'pyproject.toml', digest: { sha256: 'ab'.repeat(32) } }],
    },
    slots: m.slots.map((s) => ({ id: s.id, sha256: checksumHex(s.checksum)! })),
    launcher: {
      sha256: checksumHex(m.launcher!.checksum!)!,
      size: 1,
      version: 'test',
      tool: 'flavor-launcher',
    },
    toolVersion: VERSION,
    timestamp: EPOCH,
    deterministic: true,
  });
}

const encode = (s: unknown) => new TextEncoder().encode(JSON.stringify(s));

/** A package signed by KEY whose provenance envelope is made by `envelope` from the right statement. */
async function packageWith(
  name: string,
  envelope: (statement: ProvenanceStatement) => DsseEnvelope | undefined,
): Promise<string> {
  const bytes = appPackage({
    editMetadata: (m) => {
      const env = envelope(statementFor(m));
      if (env) m.provenance = { ...env };
    },
  });
  return writePackage(path.join(dir, `${name}.psp`), bytes);
}

const signed = (statement: unknown, key: SigningKey = KEY) =>
  signEnvelope(DSSE_PAYLOAD_TYPE, encode(statement), keySigner(key));

async function refusedWith(file: string, code: string, message: RegExp): Promise<void> {
  await assert.rejects(verify(file, { provenance: true }), (e: unknown) => {
    assert.ok(isFlavorError(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
  // Without --provenance the package itself is fine: the signature covers the envelope as bytes only.
  await verify(file);
}

test('a built package carries provenance: subjects are its launcher and slots, inputs what the planner gave', async () => {
  const src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, 'tree'), { recursive: true });
  await fs.writeFile(path.join(src, 'tree', 'run.sh'), 'echo hi\n');
  await fs.writeFile(path.join(src, 'note.txt'), 'a note\n');
  const output = path.join(dir, 'built.psp');
  const key = KEY;
  await buildPackage(
    {
      package: { name: 'built', version: '1.0.0' },
      execution: { command: '/bin/sh {workenv}/run.sh', env: {}, primarySlot: 0 },
      slots: [
        {
          id: 'app',
          source: path.join(src, 'tree'),
          target: '{workenv}',
          operations: 'tar.gz',
          purpose: 'code',
          lifecycle: 'runtime',
        },
        {
          id: 'note',
          source: path.join(src, 'note.txt'),
          target: '{workenv}/note.txt',
          operations: 'gzip',
          purpose: 'data',
          lifecycle: 'runtime',
          permissions: '0644',
        },
      ],
      provenance: {
        externalParameters: { source: { kind: 'test', manifest: 'flavor.json' } },
        resolvedDependencies: [{ name: 'flavor.json', digest: { sha256: 'cd'.repeat(32) } }],
      },
    },
    {
      output,
      launcherPath: LAUNCHER_BIN,
      launcherVersion: '9.9.9',
      key,
      toolVersion: VERSION,
      sourceDateEpoch: EPOCH,
    },
  );
  const result = await verify(output, { provenance: true });
  const p = result.provenance!;
  assert.equal(p.keyid, fingerprint(key.publicKeyRaw));
  assert.equal(p.builder_id, `${FLAVOR_BUILDER_ID}${VERSION}`);
  assert.equal(p.predicate_type, 'https://slsa.dev/provenance/v1');
  assert.equal(p.source_date_epoch, EPOCH);
  assert.equal(p.started_on, '2026-01-01T00:00:00Z');
  assert.deepEqual(
    p.subjects.map((s) => s.name),
    ['launcher', 'slot/app', 'slot/note'],
  );
  const launcherSha = (await import('node:crypto'))
    .createHash('sha256')
    .update(await fs.readFile(LAUNCHER_BIN))
    .digest('hex');
  assert.equal(
    p.subjects[0]!.sha256,
    launcherSha,
    'the launcher subject is the embedded launcher (no trust keys: unpatched)',
  );
  assert.deepEqual(p.parameters, { source: { kind: 'test', manifest: 'flavor.json' } });
  assert.deepEqual(
    p.inputs.map((i) => i.name),
    ['flavor.json', 'launcher'],
  );
  assert.equal(p.inputs[1]!.uri, 'pkg:generic/flavor-launcher@9.9.9');
  assert.ok(result.checks.some((c) => c.name === 'provenance'));
});

test('a package without provenance: PROVENANCE_MISSING', async () => {
  await refusedWith(await packageWith('missing', () => undefined), 'PROVENANCE_MISSING', /no provenance/);
});

test('the well-formed envelope of the right statement passes (the fixtures below differ in one thing)', async () => {
  const file = await packageWith('good', (s) => signed(s));
  const result = await verify(file, { provenance: true });
  assert.deepEqual(
    result.provenance!.subjects.map((s) => s.name),
    ['launcher', 'slot/app', 'slot/data'],
  );
});

test('an envelope signed by another key: PROVENANCE_INVALID', async () => {
  const file = await packageWith('other-key', (s) => signed(s, ATTACKER));
  await refusedWith(file, 'PROVENANCE_INVALID', /no signature by the package key/);
});

test('a payload changed after signing: PROVENANCE_INVALID', async () => {
  const file = await packageWith('changed', (s) => {
    const env = signed(s);
    const forged = {
      ...s,
      predicate: { ...s.predicate, runDetails: { builder: { id: 'https://evil.example/builder' } } },
    };
    return { ...env, payload: Buffer.from(encode(forged)).toString('base64') };
  });
  await refusedWith(file, 'PROVENANCE_INVALID', /signature does not match/);
});

test('a subject digest that is not the slot: PROVENANCE_MISMATCH', async () => {
  const file = await packageWith('wrong-digest', (s) => {
    s.subject[2]!.digest.sha256 = '00'.repeat(32);
    return signed(s);
  });
  await refusedWith(file, 'PROVENANCE_MISMATCH', /subject slot\/data is sha256:0{64}/);
});

test('a statement that leaves a slot out: PROVENANCE_MISMATCH', async () => {
  const file = await packageWith('left-out', (s) => signed({ ...s, subject: s.subject.slice(0, 2) }));
  await refusedWith(file, 'PROVENANCE_MISMATCH', /does not name slot\/data/);
});

test('a subject the package does not have: PROVENANCE_MISMATCH', async () => {
  const file = await packageWith('extra', (s) =>
    signed({ ...s, subject: [...s.subject, { name: 'slot/ghost', digest: { sha256: '11'.repeat(32) } }] }),
  );
  await refusedWith(file, 'PROVENANCE_MISMATCH', /does not have: slot\/ghost/);
});

test('another predicate type, another statement type, or no buildDefinition: PROVENANCE_INVALID', async () => {
  const cases: Array<[string, (s: ProvenanceStatement) => unknown, RegExp]> = [
    ['predicate-type', (s) => ({ ...s, predicateType: 'https://slsa.dev/provenance/v0.2' }), /predicateType/],
    ['statement-type', (s) => ({ ...s, _type: 'https://in-toto.io/Statement/v0.1' }), /_type/],
    [
      'no-build-definition',
      (s) => ({ ...s, predicate: { runDetails: s.predicate.runDetails } }),
      /buildDefinition/,
    ],
    [
      'uppercase-digest',
      (s) => ({ ...s, subject: [{ name: 'launcher', digest: { sha256: 'AB'.repeat(32) } }] }),
      /64 lowercase hex/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    await refusedWith(await packageWith(name, (s) => signed(edit(s))), 'PROVENANCE_INVALID', message);
  }
});

test('an envelope without signatures or with a non-base64 payload: PROVENANCE_INVALID', async () => {
  await refusedWith(
    await packageWith('no-signatures', (s) => ({ ...signed(s), signatures: [] })),
    'PROVENANCE_INVALID',
    /at least one signature/,
  );
  await refusedWith(
    await packageWith('not-base64', (s) => ({ ...signed(s), payload: 'not base64!' })),
    'PROVENANCE_INVALID',
    /not base64/,
  );
});

test('flavor verify --provenance: exit 12 and the error on a forged envelope, exit 11 on a mismatch', async () => {
  const forged = await packageWith('cli-forged', (s) => signed(s, ATTACKER));
  const r = await runFlavor(['verify', '--provenance', forged]);
  assert.equal(r.code, 12, r.stderr);
  assert.match(r.stderr, /flavor: error: .*no signature by the package key/);
  const mismatch = await packageWith('cli-mismatch', (s) => signed({ ...s, subject: s.subject.slice(1) }));
  const m = await runFlavor(['verify', '--provenance', '--json', mismatch]);
  assert.equal(m.code, 11, m.stderr);
  assert.equal(JSON.parse(m.stdout).error.code, 'PROVENANCE_MISMATCH');
});

test('a byte changed inside the embedded envelope is refused by the package signature first', async () => {
  const file = await packageWith('byte-flip', (s) => signed(s));
  const bytes = await fs.readFile(file);
  // The metadata is gzip'd: any change of it breaks the metadata SHA-256 in the index.
  const pkg = await (await import('../../src/reader/open.js')).openPackage(file);
  bytes[pkg.layout.metadataOffset + Math.floor(pkg.layout.metadataSize / 2)]! ^= 0xff;
  await fs.writeFile(file, bytes);
  await assert.rejects(verify(file, { provenance: true }), (e: unknown) =>
    isFlavorError(e, 'METADATA_CHECKSUM'),
  );
});
