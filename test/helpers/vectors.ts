// Reads the shared conformance vectors (testdata/vectors/README.md).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTOR_DIR = fileURLToPath(new URL('../../testdata/vectors/', import.meta.url));

export interface VectorFile {
  name: string;
  headers: Record<string, string>;
  expect: string;
  trustedKey?: string;
  bytes: Uint8Array;
  golden?: unknown;
}

export function readVectors(): VectorFile[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.vec'))
    .sort()
    .map((file) => {
      const raw = readFileSync(path.join(VECTOR_DIR, file));
      const split = raw.indexOf('\n\n');
      if (split < 0) throw new Error(`${file}: no blank line after the header`);
      const headers: Record<string, string> = {};
      for (const line of raw.subarray(0, split).toString('utf8').split('\n')) {
        const at = line.indexOf(': ');
        if (at > 0) headers[line.slice(0, at)] = line.slice(at + 2);
      }
      const name = file.replace(/\.vec$/, '');
      const goldenPath = path.join(VECTOR_DIR, `${name}.decoded.json`);
      const expect = headers.expect;
      if (!expect) throw new Error(`${file}: no expect header`);
      return {
        name,
        headers,
        expect,
        ...(headers['trusted-key'] ? { trustedKey: headers['trusted-key'] } : {}),
        bytes: new Uint8Array(raw.subarray(split + 2)),
        ...(expect === 'success' ? { golden: JSON.parse(readFileSync(goldenPath, 'utf8')) } : {}),
      };
    });
}
