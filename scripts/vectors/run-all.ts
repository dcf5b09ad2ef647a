// Regenerates testdata/vectors (package vectors) and testdata/vectors/archives (archive vectors) from the
// generators. `--check` regenerates into memory and fails (exit 1) on any difference with the files in the
// repo, so a codec change cannot silently change the vectors.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPackage } from '../../src/reader/open.js';
import { ARCHIVE_GENERATORS, encodeArchiveVector } from './archives.js';
import { renderEncryptedVectors } from './encrypted.js';
import { GENERATORS, type Vector } from './generators.js';
import { glibcVectorFile } from './glibc.js';
import { goldenOf } from './golden.js';
import { platformVectorFile } from './platforms.js';

const DIR = fileURLToPath(new URL('../../testdata/vectors/', import.meta.url));

export function encodeVectorFile(v: Vector): Uint8Array {
  const header = [`expect: ${v.expect}`, `comment: ${v.comment}`];
  if (v.trustedKey) header.push(`trusted-key: ${v.trustedKey}`);
  return Buffer.concat([Buffer.from(`${header.join('\n')}\n\n`), v.bytes]);
}

async function renderAll(): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const tmp = path.join(DIR, '..', `.vectors-tmp-${process.pid}.psp`);
  try {
    for (const [name, generate] of Object.entries(GENERATORS)) {
      const vector: Vector = { name, ...(await generate()) };
      files.set(`${name}.vec`, encodeVectorFile(vector));
      if (vector.expect === 'success') {
        await fs.writeFile(tmp, vector.bytes);
        const golden = goldenOf(await openPackage(tmp));
        files.set(`${name}.decoded.json`, Buffer.from(`${JSON.stringify(golden, null, 2)}\n`));
      }
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
  for (const [name, generate] of Object.entries(ARCHIVE_GENERATORS)) {
    files.set(`archives/${name}.vec`, encodeArchiveVector({ name, ...generate() }));
  }
  for (const [name, bytes] of await renderEncryptedVectors()) files.set(name, bytes);
  files.set('platform-match.json', platformVectorFile());
  files.set('glibc-requirement.json', glibcVectorFile());
  return files;
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const files = await renderAll();
  const list = async (sub: string) =>
    (await fs.readdir(path.join(DIR, sub)).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.vec') || f.endsWith('.json'))
      .map((f) => (sub ? `${sub}/${f}` : f));
  const existing = [...(await list('')), ...(await list('archives')), ...(await list('encrypted'))];
  if (check) {
    const problems: string[] = [];
    for (const [name, bytes] of files) {
      const onDisk = await fs.readFile(path.join(DIR, name)).catch(() => undefined);
      if (!onDisk) problems.push(`missing: ${name}`);
      else if (!onDisk.equals(Buffer.from(bytes))) problems.push(`differs: ${name}`);
    }
    for (const name of existing) if (!files.has(name)) problems.push(`stale: ${name}`);
    for (const p of problems) console.error(`vectors: ${p}`);
    console.log(
      problems.length === 0
        ? `vectors: ${files.size} files up to date`
        : 'vectors: run `npm run vectors` and commit',
    );
    return problems.length === 0 ? 0 : 1;
  }
  await fs.mkdir(path.join(DIR, 'archives'), { recursive: true });
  await fs.mkdir(path.join(DIR, 'encrypted'), { recursive: true });
  for (const name of existing) if (!files.has(name)) await fs.rm(path.join(DIR, name));
  for (const [name, bytes] of files) await fs.writeFile(path.join(DIR, name), bytes);
  console.log(`vectors: wrote ${files.size} files to ${path.relative(process.cwd(), DIR)}`);
  return 0;
}

process.exitCode = await main();
