// downloadPinnedTool against a local HTTP server (FLAVOR_TOOLS_MIRROR): a wheel matching its pin is
// unpacked executable; a wrong hash, an oversized body, an HTTP error or no server at all is a typed
// error with a hint, and nothing is installed.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FlavorError } from '../../src/errors.js';
import { downloadPinnedTool } from '../../src/python/tool-download.js';
import type { PinnedTool } from '../../src/python/tool-pins.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flavor-tool-download-'));
const script = '#!/bin/sh\necho fake-tool 1.0\n';
let wheel: Buffer;
let server: Server;
let mirror: string;
const served = new Map<string, { status: number; body: Buffer }>();

before(async () => {
  writeFileSync(path.join(dir, 'tool'), script);
  const whl = path.join(dir, 'fake.whl');
  execFileSync('python3', [
    '-c',
    "import zipfile,sys\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z: z.write(sys.argv[2], 'fake-1.0.data/scripts/fake')",
    whl,
    path.join(dir, 'tool'),
  ]);
  wheel = readFileSync(whl);
  server = createServer((req, res) => {
    const entry = served.get(req.url ?? '');
    res.writeHead(entry?.status ?? 404);
    res.end(entry?.body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pypi`;
});

after(async () => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function tool(file: string, overrides: Partial<{ sha256: string; size: number }> = {}): PinnedTool {
  served.set(`/pypi/aa/${file}`, { status: 200, body: wheel });
  return {
    name: 'uv',
    version: '1.0',
    member: 'fake-1.0.data/scripts/fake',
    wheels: {
      'linux-x64': {
        url: `https://files.pythonhosted.org/packages/aa/${file}`,
        size: overrides.size ?? wheel.length,
        sha256: overrides.sha256 ?? createHash('sha256').update(wheel).digest('hex'),
      },
    },
  };
}

const env = () => ({ FLAVOR_TOOLS_MIRROR: mirror });
const isError = (code: string, pattern: RegExp) => (e: unknown) =>
  e instanceof FlavorError && e.code === code && pattern.test(e.message) && (e.hint ?? '') !== '';

test('a wheel that matches its pin is unpacked into an executable, with progress lines', async () => {
  const target = path.join(dir, 'ok', 'fake');
  const lines: string[] = [];
  await downloadPinnedTool(tool('ok.whl'), 'linux-x64', target, { env: env(), log: (l) => lines.push(l) });
  assert.equal(readFileSync(target, 'utf8'), script);
  assert.equal(statSync(target).mode & 0o111, 0o111, 'executable');
  assert.match(lines.join('\n'), /downloading uv 1\.0 .*100%/);
  assert.match(lines.at(-1) ?? '', /SHA-256 verified/);
});

test('a wheel with another SHA-256 is refused and nothing is installed', async () => {
  const target = path.join(dir, 'badhash', 'fake');
  await assert.rejects(
    downloadPinnedTool(tool('bad.whl', { sha256: '0'.repeat(64) }), 'linux-x64', target, { env: env() }),
    isError('TOOL_CHECKSUM', /does not match its pin/),
  );
  assert.ok(!existsSync(target));
});

test('a body larger than the pinned size is cut off and refused', async () => {
  const target = path.join(dir, 'big', 'fake');
  await assert.rejects(
    downloadPinnedTool(tool('big.whl', { size: 100 }), 'linux-x64', target, { env: env() }),
    isError('TOOL_CHECKSUM', /larger than the pinned 100 bytes/),
  );
  assert.ok(!existsSync(target));
});

test('an HTTP error and an unreachable server are TOOL_DOWNLOAD errors with an offline hint', async () => {
  const pinned = tool('gone.whl');
  served.delete('/pypi/aa/gone.whl');
  await assert.rejects(
    downloadPinnedTool(pinned, 'linux-x64', path.join(dir, 'gone', 'fake'), { env: env() }),
    isError('TOOL_DOWNLOAD', /HTTP 404/),
  );
  await assert.rejects(
    downloadPinnedTool(pinned, 'linux-x64', path.join(dir, 'offline', 'fake'), {
      env: { FLAVOR_TOOLS_MIRROR: 'http://127.0.0.1:9/pypi' },
    }),
    (e: unknown) =>
      isError('TOOL_DOWNLOAD', /cannot download uv 1\.0 from 127\.0\.0\.1:9/)(e) &&
      /offline, set FLAVOR_UV/.test((e as FlavorError).hint ?? ''),
  );
});

test('a platform without a pinned wheel is NOT_FOUND with the FLAVOR_UV way out', async () => {
  await assert.rejects(
    downloadPinnedTool(tool('x.whl'), 'sunos-sparc', path.join(dir, 'none', 'fake'), { env: env() }),
    (e: unknown) => e instanceof FlavorError && e.code === 'NOT_FOUND' && /FLAVOR_UV/.test(e.hint ?? ''),
  );
});
