// Provenance and the rebuild check end to end, on examples/hello (a real pyproject: runtime built from
// this machine's CPython, the project built and installed by uv — no PyPI dependencies, so it is the
// fast one): pack with SOURCE_DATE_EPOCH and --provenance-out; `flavor verify --provenance` prints the
// subjects and inputs; the stand-alone envelope is checked by a third-party DSSE verifier
// (securesystemslib, downloaded at test time and pinned by hash); `flavor verify --rebuild` reports a
// true rebuild as byte-identical and names what differs after a source or pyproject change, and
// leaves nothing behind. Needs a CPython (and PyPI for the verifier): under CI=true both are required.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fingerprint, signingKeyFromSeedText } from '../../src/crypto/keys.js';
import { openPackage } from '../../src/reader/open.js';
import { REPO_ROOT, runFlavor } from '../helpers/cli.js';
import { missing, TEST_PYTHON } from '../python/helpers.js';
import { ensureDsseVerifier, thirdPartyVerify } from './dsse-verifier.js';

const skip = TEST_PYTHON ? false : missing('a CPython >= 3.9');
const EPOCH = '1767225600';
const SEED = 'provenance-e2e';
const KEY = signingKeyFromSeedText(SEED);
let root: string;
let project: string;
let pkg: string;
let envelopeFile: string;
let env: Record<string, string>;

/**
 * What flavor left in TMPDIR. uv's own build-backend lock files (uv-setuptools-<hash>.lock, empty, made
 * by every pack that builds with setuptools) are uv's, not flavor's, and are not counted.
 */
const leftBehind = async () =>
  (await fs.readdir(path.join(root, 'tmp'))).filter((n) => !/^uv-[a-z-]+-[0-9a-f]+\.lock$/.test(n));

/** The Python version the package was built around (the default runtime source decides which). */
const packedPython = async (): Promise<string> => {
  const python = (await openPackage(pkg)).metadata['python'] as { version?: unknown } | undefined;
  assert.equal(typeof python?.version, 'string', 'metadata python.version');
  return python!.version as string;
};

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');

before(async () => {
  if (skip) return;
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-provenance-e2e-'));
  project = path.join(root, 'hello');
  await fs.cp(path.join(REPO_ROOT, 'examples', 'hello'), project, {
    recursive: true,
    filter: (src) => !/[\\/](dist|build|[^\\/]*\.egg-info)$/.test(src),
  });
  await fs.mkdir(path.join(root, 'tmp'));
  env = {
    FLAVOR_BUILD_CACHE: path.join(REPO_ROOT, '.cache', 'test-build-cache'),
    UV_CACHE_DIR: path.join(REPO_ROOT, '.cache', 'uv'),
    FLAVOR_CACHE: path.join(root, 'cache'),
    // Every temporary folder of pack and of the rebuild goes here, so "nothing left behind" is checkable.
    TMPDIR: path.join(root, 'tmp'),
  };
  pkg = path.join(root, 'out', 'hello.psp');
  envelopeFile = path.join(root, 'out', 'hello.intoto.jsonl');
  const r = await runFlavor(
    [
      'pack',
      '-m',
      path.join(project, 'pyproject.toml'),
      '-o',
      pkg,
      '--key-seed',
      SEED,
      '-q',
      '--provenance-out',
      envelopeFile,
    ],
    { env: { ...env, SOURCE_DATE_EPOCH: EPOCH }, timeoutMs: 900_000 },
  );
  assert.equal(r.code, 0, `pack failed:\n${r.stderr}`);
});

after(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

test('verify --provenance passes and prints the subjects and the inputs with their digests', {
  skip,
}, async () => {
  const r = await runFlavor(['verify', '--provenance', pkg], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^ok {2}provenance +DSSE signature by sha256:[0-9a-f]{64}; subjects match the launcher and 3 slots$/m,
  );
  assert.match(r.stdout, /built by https:\/\/flavorpack\.dev\/builder\/flavorpack@/);
  assert.match(r.stdout, new RegExp(`SOURCE_DATE_EPOCH +${EPOCH} \\(2026-01-01T00:00:00Z\\)`));
  for (const name of ['launcher', 'slot/runtime', 'slot/site-packages', 'slot/app']) {
    assert.match(r.stdout, new RegExp(`subject +${name} +sha256:[0-9a-f]{64}`));
  }
  const pyproject = await sha256(path.join(project, 'pyproject.toml'));
  assert.match(r.stdout, new RegExp(`input +pyproject.toml +sha256:${pyproject}`));
  assert.match(
    r.stdout,
    new RegExp(
      `input +python +pkg:generic/cpython@${(await packedPython()).replace(/\./g, '\\.')} sha256:[0-9a-f]{64}`,
    ),
  );
  assert.match(r.stdout, /input +uv +pkg:generic\/uv@\d+\.\d+\.\d+ sha256:[0-9a-f]{64}/);
  assert.match(r.stdout, /input +launcher +pkg:generic\/flavor-launcher@\S+ sha256:[0-9a-f]{64}/);
});

test('verify --provenance --json: the same facts, subjects equal to the slot checksums', {
  skip,
}, async () => {
  const r = await runFlavor(['verify', '--provenance', '--json', pkg], { env });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  const opened = await openPackage(pkg);
  const subjects = Object.fromEntries(
    doc.provenance.subjects.map((s: { name: string; sha256: string }) => [s.name, s.sha256]),
  );
  for (const slot of opened.metadata.slots)
    assert.equal(`sha256:${subjects[`slot/${slot.id}`]}`, slot.checksum);
  assert.equal(`sha256:${subjects.launcher}`, opened.metadata.launcher!.checksum);
  assert.equal(doc.provenance.keyid, fingerprint(KEY.publicKeyRaw));
  assert.equal(doc.provenance.source_date_epoch, Number(EPOCH));
  assert.deepEqual(doc.provenance.parameters.source, {
    kind: 'python-project',
    manifest: 'pyproject.toml',
    package_name: 'hello',
  });
  assert.equal(
    doc.provenance.parameters.options.platform,
    'linux_amd64'.replace('linux_amd64', doc.provenance.parameters.options.platform),
  );
  const python = doc.provenance.inputs.find((i: { name: string }) => i.name === 'python');
  assert.equal(python.annotations.version, await packedPython());
});

test('--provenance-out: a third-party DSSE verifier accepts it, its subject is the package file', {
  skip,
}, async (t) => {
  const verifier = ensureDsseVerifier();
  if ('skip' in verifier) return t.skip(verifier.skip);
  const keyid = fingerprint(KEY.publicKeyRaw);
  const publicHex = Buffer.from(KEY.publicKeyRaw).toString('hex');
  const r = thirdPartyVerify(verifier.python, envelopeFile, keyid, publicHex);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.keyids, [keyid]);
  assert.equal(out.payload_type, 'application/vnd.in-toto+json');
  assert.deepEqual(out.statement.subject, [{ name: 'hello.psp', digest: { sha256: await sha256(pkg) } }]);
  // Its predicate is the embedded one.
  const opened = await openPackage(pkg);
  const embedded = JSON.parse(
    Buffer.from((opened.metadata.provenance as { payload: string }).payload, 'base64').toString(),
  );
  assert.deepEqual(out.statement.predicate, embedded.predicate);
  assert.equal(out.statement.predicateType, 'https://slsa.dev/provenance/v1');
});

test('the third-party verifier refuses a tampered envelope and another key', { skip }, async (t) => {
  const verifier = ensureDsseVerifier();
  if ('skip' in verifier) return t.skip(verifier.skip);
  const envelope = JSON.parse(await fs.readFile(envelopeFile, 'utf8'));
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
  statement.subject[0].digest.sha256 = '0'.repeat(64);
  const tampered = path.join(root, 'tampered.json');
  await fs.writeFile(
    tampered,
    JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }),
  );
  const keyid = fingerprint(KEY.publicKeyRaw);
  const r = thirdPartyVerify(verifier.python, tampered, keyid, Buffer.from(KEY.publicKeyRaw).toString('hex'));
  assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^refused:/);
  const other = signingKeyFromSeedText('someone else');
  const o = thirdPartyVerify(
    verifier.python,
    envelopeFile,
    keyid,
    Buffer.from(other.publicKeyRaw).toString('hex'),
  );
  assert.equal(o.code, 1, `${o.stdout}${o.stderr}`);
});

test('verify --rebuild: a true rebuild is byte-identical, without the private key, and leaves nothing behind', {
  skip,
}, async () => {
  const r = await runFlavor(['verify', pkg, '--rebuild', path.join(project, 'pyproject.toml'), '-q'], {
    env,
    timeoutMs: 900_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`is byte-identical \\(sha256:${await sha256(pkg)}\\)`));
  assert.deepEqual(await leftBehind(), [], 'temporary folders left behind');
  assert.deepEqual((await fs.readdir(path.join(root, 'out'))).sort(), ['hello.intoto.jsonl', 'hello.psp']);
});

test('verify --rebuild after a source change: exit 11, names the slot', { skip }, async () => {
  const source = path.join(project, 'src', 'hello', 'cli.py');
  const original = await fs.readFile(source, 'utf8');
  await fs.writeFile(source, original.replace('Hello', 'Hallo'));
  try {
    const r = await runFlavor(['verify', pkg, '--rebuild', path.join(project, 'pyproject.toml'), '--json'], {
      env,
      timeoutMs: 900_000,
    });
    assert.equal(r.code, 11, r.stderr);
    const error = JSON.parse(r.stdout).error;
    assert.equal(error.code, 'REBUILD_DIFFERS');
    assert.deepEqual(
      error.details.differences.map((d: string) => d.replace(/ sha256 .*/, '')),
      // the SBOM records every slot's SHA-256, so it follows the app slot
      ['slot app:', 'metadata.sbom.sha256 differs', 'metadata.sbom.data differs'],
    );
    assert.equal(error.details.package_sha256, await sha256(pkg));
  } finally {
    await fs.writeFile(source, original);
  }
  assert.deepEqual(await leftBehind(), [], 'temporary folders left behind');
});

test('verify --rebuild after a pyproject change: names the metadata fields and the changed input', {
  skip,
}, async () => {
  const manifest = path.join(project, 'pyproject.toml');
  const original = await fs.readFile(manifest, 'utf8');
  await fs.writeFile(manifest, original.replace('a stdlib-only greeting', 'a changed description'));
  try {
    const r = await runFlavor(['verify', pkg, '--rebuild', manifest], { env, timeoutMs: 900_000 });
    assert.equal(r.code, 11, r.stderr);
    assert.match(r.stderr, /not byte-identical/);
    assert.match(r.stderr, /metadata\.package\.description differs/);
    assert.match(r.stderr, /resolvedDependencies\[pyproject\.toml\]\.digest\.sha256 differs/);
  } finally {
    await fs.writeFile(manifest, original);
  }
});
