// `npm run bench:compare A.json B.json`: B relative to A for every result both contain.

import { readFileSync } from 'node:fs';
import type { BenchResult } from './payload.bench.js';

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: npm run bench:compare -- A.json B.json');
  process.exit(2);
}
const load = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { results: BenchResult[] }).results;
const before = new Map(load(a).map((r) => [r.name, r]));
for (const r of load(b)) {
  const old = before.get(r.name);
  if (!old) continue;
  const ratio = old.value === 0 ? Number.NaN : r.value / old.value;
  console.log(
    `${r.name.padEnd(40)} ${String(old.value).padStart(10)} → ${String(r.value).padStart(10)} ${r.unit}  ×${ratio.toFixed(3)}`,
  );
}
