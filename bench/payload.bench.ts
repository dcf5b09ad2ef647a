// Payload throughput: pack and extract a generated mixed folder with tar.gz and tar.zst, next to the
// `tar | gzip` / `tar | zstd` command lines doing the same work in the same run. On a Node with native
// zstd (>= 22.15) the zstd rows run twice: native node:zlib (tar.zst) and the WASM/fzstd path (tar.zst-wasm).
// Size: FLAVOR_BENCH_MB (default 200). Run alone: `npx tsx bench/payload.bench.ts`.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  decodeSlot,
  encodeSlot,
  hasNativeZstd,
  OP,
  setZstdBackend,
  zstdBackend,
} from '../src/payload/index.js';

export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: { name: string; value: number };
  ratio?: number;
  extra?: Record<string, number | string>;
}

const MB = 1024 * 1024;

/** Writes about `totalMb` MiB: 40% text, 30% random bytes, 30% compressible binary; small and big files. */
function generate(root: string, totalMb: number): number {
  const words =
    'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore'.split(
      ' ',
    );
  let written = 0;
  let n = 0;
  const target = totalMb * MB;
  const kinds = [
    'text',
    'text',
    'text',
    'text',
    'random',
    'random',
    'random',
    'binary',
    'binary',
    'binary',
  ] as const;
  while (written < target) {
    const kind = kinds[n % kinds.length] as (typeof kinds)[number];
    const big = n % 25 === 0;
    const size = Math.min(target - written, big ? (4 + (n % 5) * 3) * MB : 4096 + ((n * 7919) % (96 * 1024)));
    let data: Buffer;
    if (kind === 'random') data = randomBytes(size);
    else if (kind === 'text') {
      const parts: string[] = [];
      let len = 0;
      let i = n;
      while (len < size) {
        const line = `${i} ${words[i % words.length]} ${words[(i * 3) % words.length]} ${words[(i * 7) % words.length]} value=${(i * 2654435761) % 1000003}\n`;
        parts.push(line);
        len += line.length;
        i++;
      }
      data = Buffer.from(parts.join('')).subarray(0, size);
    } else {
      data = Buffer.alloc(size);
      const noise = randomBytes(Math.ceil(size / 16));
      for (let i = 0; i < size; i += 4)
        if (i + 4 <= size) data.writeUInt32LE(((i >> 6) * 2654435761) >>> 0, i);
      for (let i = 0; i < noise.length; i++) data[(i * 16) % size] = noise[i] as number;
    }
    const dir = join(root, `pkg${n % 13}`, `mod${n % 7}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${kind}-${n}.${kind === 'text' ? 'py' : 'bin'}`), data);
    written += size;
    n++;
  }
  return written;
}

function timeSync(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function benchPayload(): Promise<BenchResult[]> {
  const totalMb = Number(process.env['FLAVOR_BENCH_MB'] ?? 200) || 200;
  const work = mkdtempSync(join(tmpdir(), 'flavor-bench-payload-'));
  const results: BenchResult[] = [];
  try {
    const src = join(work, 'src');
    const bytes = generate(src, totalMb);
    const mb = bytes / MB;
    const codecs: Array<{ name: string; op: number; cli: string; level: number; wasm?: boolean }> = [
      { name: 'tar.gz', op: OP.GZIP, cli: 'gzip', level: 6 },
      { name: 'tar.zst', op: OP.ZSTD, cli: 'zstd', level: 3 },
    ];
    // Where Node has native zstd (>= 22.15), the WASM/fzstd path (Node 20's) runs too, for comparison.
    if (hasNativeZstd())
      codecs.push({ name: 'tar.zst-wasm', op: OP.ZSTD, cli: 'zstd', level: 3, wasm: true });
    for (const c of codecs) {
      setZstdBackend(c.wasm ? 'wasm' : 'auto');
      const backend = c.op === OP.ZSTD ? zstdBackend() : 'zlib';
      const ours = join(work, `ours.${c.name}`);
      const chain = [OP.TAR, c.op];
      const packS = await timeAsync(async () => {
        const { stream, done } = encodeSlot(src, chain, { level: c.level });
        await pipeline(stream, createWriteStream(ours));
        await done;
      });
      const outDir = join(work, `out-${c.name}`);
      const extractS = await timeAsync(async () => {
        await decodeSlot(createReadStream(ours), chain, outDir, { storedSize: statSync(ours).size });
      });
      rmSync(outDir, { recursive: true, force: true });
      let cliPack: number | undefined;
      let cliExtract: number | undefined;
      let cliSize: number | undefined;
      if (hasProgram(c.cli)) {
        const cliFile = join(work, `cli.${c.name}`);
        cliPack = timeSync(() =>
          execFileSync('sh', [
            '-c',
            `tar -cf - -C "$1" . | ${c.cli} -${c.level} -c > "$2"`,
            'sh',
            src,
            cliFile,
          ]),
        );
        cliSize = statSync(cliFile).size;
        const cliOut = join(work, `cli-out-${c.name}`);
        mkdirSync(cliOut);
        cliExtract = timeSync(() =>
          execFileSync('sh', ['-c', `${c.cli} -dc "$1" | tar -xf - -C "$2"`, 'sh', cliFile, cliOut]),
        );
        rmSync(cliOut, { recursive: true, force: true });
        rmSync(cliFile, { force: true });
      }
      const storedMb = statSync(ours).size / MB;
      rmSync(ours, { force: true });
      const row = (
        what: string,
        seconds: number,
        cliSeconds: number | undefined,
        cliName: string,
      ): BenchResult => {
        const value = mb / seconds;
        const r: BenchResult = {
          name: `payload.${what}.${c.name}`,
          unit: 'MB/s',
          value: Math.round(value * 10) / 10,
          extra: {
            backend,
            seconds: Math.round(seconds * 1000) / 1000,
            inputMB: Math.round(mb),
            storedMB: Math.round(storedMb * 10) / 10,
          },
        };
        if (cliSeconds !== undefined) {
          const base = mb / cliSeconds;
          r.baseline = { name: cliName, value: Math.round(base * 10) / 10 };
          r.ratio = Math.round((value / base) * 100) / 100;
          if (r.extra) {
            r.extra['cliSeconds'] = Math.round(cliSeconds * 1000) / 1000;
            if (cliSize !== undefined) r.extra['cliStoredMB'] = Math.round((cliSize / MB) * 10) / 10;
          }
        }
        return r;
      };
      results.push(row('pack', packS, cliPack, `tar -c | ${c.cli} -${c.level}`));
      results.push(row('extract', extractS, cliExtract, `${c.cli} -dc | tar -x`));
    }
    setZstdBackend('auto');
    results.push({
      name: 'payload.peakRSS',
      unit: 'MB',
      value: Math.round(process.resourceUsage().maxRSS / 1024),
      extra: { datasetMB: Math.round(mb) },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchPayload()) console.log(JSON.stringify(r));
}
