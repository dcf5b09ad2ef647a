// A runtime source from the Go module proxy (docs/runtime.md "Versions"): CPython releases Debian does
// not carry. proxy.golang.org serves every tag of github.com/python/cpython as a module zip; `go mod
// download` checks the zip against the Go checksum database (sum.golang.org, a signed append-only log:
// the zip is the one every client gets for that tag, and a proxy cannot hand out another). Then:
//   1. the module's h1 hash must equal the pin;
//   2. the zip becomes a tar — one top folder, entries sorted, fixed times and owners, mode 0755 for a
//      file that starts with "#!" (module zips keep no modes), 0644 otherwise;
//   3. the tar's SHA-256 must equal the pin.
// Only then is the tar moved into the sources folder; the scratch folder (Go's module cache, the zip,
// the unpacked tree) is removed whatever happens.

import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FlavorError } from '../../errors.js';
import { createDeterministicTar } from '../../payload/index.js';
import { run } from '../exec.js';
import { sha256File } from '../fsutil.js';
import type { Logger } from '../types.js';
import { wheelFiles } from '../wheel.js';
import type { GoModulePin } from './pins.js';

/** Largest single file accepted from a module zip (CPython's largest source file is a few MB). */
const MAX_MEMBER = 64 * 1024 * 1024;
/** The time every entry of the tar carries (2024-01-01, the recipe's SOURCE_DATE_EPOCH). */
const TAR_MTIME = 1704067200;
/** Settings that would let `go` skip the checksum database or fetch from elsewhere unchecked. */
const GO_UNSAFE_ENV = ['GOFLAGS', 'GONOSUMDB', 'GONOSUMCHECK', 'GOPRIVATE', 'GOINSECURE', 'GONOPROXY'];

export interface GoModuleOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Puts the verified tar of `pin` into `dir` (as pin.file). */
export async function fetchGoModuleSource(
  dir: string,
  pin: GoModulePin,
  options: GoModuleOptions,
): Promise<void> {
  const scratch = await mkdtemp(join(dir, `.fetch-${pin.name}-`));
  try {
    const zip = await goModDownload(scratch, pin, options);
    const tree = join(scratch, 'tree');
    await unpackModuleZip(await readFile(zip), pin, join(tree, `${pin.name}-${pin.goModule.version}`));
    const tar = join(scratch, pin.file);
    await pipeline(createDeterministicTar(tree, { mtime: TAR_MTIME }), createWriteStream(tar));
    await checkTarHash(tar, pin);
    await rename(tar, join(dir, pin.file));
    options.log({
      kind: 'info',
      message: `runtime source ${pin.file}: ${pin.goModule.path}@${pin.goModule.version} checked by the Go checksum database, h1 and SHA-256 as pinned`,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `go mod download -json` into a private module cache; returns the zip, its h1 hash checked. */
async function goModDownload(scratch: string, pin: GoModulePin, options: GoModuleOptions): Promise<string> {
  const spec = `${pin.goModule.path}@${pin.goModule.version}`;
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  for (const name of GO_UNSAFE_ENV) delete env[name];
  Object.assign(env, {
    GOPATH: join(scratch, 'gopath'),
    GOMODCACHE: join(scratch, 'modcache'),
    GOFLAGS: '-modcacherw',
    GOPROXY: env['GOPROXY'] && env['GOPROXY'] !== 'off' ? env['GOPROXY'] : 'https://proxy.golang.org',
    GOSUMDB: 'sum.golang.org',
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    GO111MODULE: 'on',
  });
  const result = await run('go', ['mod', 'download', '-json', spec], { cwd: scratch, env }).catch(
    (cause: unknown) => {
      throw new FlavorError('TOOL_DOWNLOAD', `cannot run go to fetch the runtime source ${spec}`, {
        cause,
        hint: `CPython ${pin.goModule.version.replace(/^v|\+incompatible$/g, '')} comes from the Go module proxy: install Go (https://go.dev/dl/), or copy ${pin.file} (SHA-256 ${pin.sha256}) into ${dirname(scratch)}`,
      });
    },
  );
  const answer = parseDownload(result.stdout);
  if (result.code !== 0 || !answer.Zip || answer.Error) {
    throw new FlavorError('TOOL_DOWNLOAD', `cannot download the runtime source ${spec}`, {
      details: { output: `${answer.Error ?? ''}\n${result.stderr}`.trim().slice(-2000) },
      hint: 'the Go module proxy (GOPROXY, default proxy.golang.org) and sum.golang.org must be reachable; offline, copy the file into the sources folder',
    });
  }
  if (answer.Sum !== pin.goModule.h1) {
    throw new FlavorError(
      'TOOL_CHECKSUM',
      `runtime source ${spec} does not match its pin (${answer.Sum ?? 'no hash'}, expected ${pin.goModule.h1})`,
      {
        hint: 'the proxy served another module for this tag: check it before updating the pin in src/python/portable/pins.ts',
      },
    );
  }
  return answer.Zip;
}

interface DownloadAnswer {
  Zip?: string;
  Sum?: string;
  Error?: string;
}

function parseDownload(stdout: string): DownloadAnswer {
  try {
    const value = JSON.parse(stdout) as unknown;
    return value && typeof value === 'object' ? (value as DownloadAnswer) : {};
  } catch {
    return {};
  }
}

/** Writes the module's files under `into`: names checked, 0755 for scripts ("#!"), else 0644. */
export async function unpackModuleZip(zip: Buffer, pin: GoModulePin, into: string): Promise<number> {
  const prefix = `${pin.goModule.path}@${pin.goModule.version}/`;
  const folders = new Set<string>([into]);
  let count = 0;
  for (const { name, data } of wheelFiles(zip, '', MAX_MEMBER, `${pin.goModule.path} module zip`)) {
    const rel = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (
      !rel ||
      rel.split('/').some((part) => part === '' || part === '.' || part === '..') ||
      rel.includes('\\')
    ) {
      throw new FlavorError(
        'TOOL_CHECKSUM',
        `the module zip of ${pin.goModule.path} holds an unsafe name: ${name}`,
        {
          hint: 'the download is not used; check the pin and the proxy',
        },
      );
    }
    const target = join(into, rel);
    for (let d = dirname(target); d.length > into.length; d = dirname(d)) folders.add(d);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, data);
    await chmod(target, data.subarray(0, 2).toString('latin1') === '#!' ? 0o755 : 0o644);
    count++;
  }
  if (count === 0) {
    throw new FlavorError('TOOL_CHECKSUM', `the module zip of ${pin.goModule.path} is empty`, {
      hint: 'the download is not used; check the pin and the proxy',
    });
  }
  // folders 0755 whatever the umask: the tar records modes, and its hash is pinned
  for (const folder of folders) await chmod(folder, 0o755);
  return count;
}

async function checkTarHash(tar: string, pin: GoModulePin): Promise<void> {
  const actual = await sha256File(tar);
  if (actual !== pin.sha256) {
    throw new FlavorError(
      'TOOL_CHECKSUM',
      `runtime source ${pin.file} (made from ${pin.goModule.path}@${pin.goModule.version}) does not match its pin (SHA-256 ${actual}, expected ${pin.sha256})`,
      {
        hint: 'the tar is made the same way everywhere: a different hash means a different module or a changed conversion; check before updating the pin',
      },
    );
  }
}
