// Reads the shared archive vectors (testdata/vectors/archives/, format in testdata/vectors/README.md).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VECTOR_DIR } from './vectors.js';

export const ARCHIVE_VECTOR_DIR = path.join(VECTOR_DIR, 'archives');

export interface ArchiveVectorFile {
  name: string;
  expect: string;
  maxBytes?: number;
  tree?: string[];
  bytes: Buffer;
}

export function readArchiveVectors(): ArchiveVectorFile[] {
  return readdirSync(ARCHIVE_VECTOR_DIR)
    .filter((f) => f.endsWith('.vec'))
    .sort()
    .map((file) => {
      const raw = readFileSync(path.join(ARCHIVE_VECTOR_DIR, file));
      const split = raw.indexOf('\n\n');
      if (split < 0) throw new Error(`${file}: no blank line after the header`);
      const headers: Record<string, string> = {};
      for (const line of raw.subarray(0, split).toString('utf8').split('\n')) {
        const at = line.indexOf(': ');
        if (at > 0) headers[line.slice(0, at)] = line.slice(at + 2);
      }
      if (!headers.expect) throw new Error(`${file}: no expect header`);
      return {
        name: file.replace(/\.vec$/, ''),
        expect: headers.expect,
        ...(headers['max-bytes'] ? { maxBytes: Number(headers['max-bytes']) } : {}),
        ...(headers.tree ? { tree: headers.tree.split(', ') } : {}),
        bytes: raw.subarray(split + 2),
      };
    });
}
