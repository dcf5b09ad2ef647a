import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFlavorError } from '../../src/errors.js';
import type { CacheEntry } from '../../src/workenv/cache-client.js';
import { matchEntries, parseDuration, parseSize, planClean } from '../../src/workenv/gc.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const DAY = 86_400_000;

function entry(
  id: string,
  name: string | null,
  daysAgo: number,
  size: number,
  extra: Partial<CacheEntry> = {},
): CacheEntry {
  return {
    id,
    name,
    version: name ? (id.split('-')[1] ?? '1') : null,
    complete: true,
    in_use: false,
    size_bytes: size,
    last_used: new Date(NOW - daysAgo * DAY).toISOString(),
    installed_at: null,
    unknown: name === null,
    leftovers: [],
    ...extra,
  };
}

const entries = [
  entry('app-1.0-a', 'app', 40, 100),
  entry('app-1.1-b', 'app', 10, 100),
  entry('app-1.2-c', 'app', 1, 100),
  entry('tool-2.0-d', 'tool', 50, 300, { in_use: true }),
  entry('stray', null, 90, 50),
];

test('no filter removes every known, unused entry', () => {
  const plan = planClean(entries, { now: NOW });
  assert.deepEqual(plan.remove.map((e) => e.id).sort(), ['app-1.0-a', 'app-1.1-b', 'app-1.2-c']);
  assert.deepEqual(
    plan.skippedInUse.map((e) => e.id),
    ['tool-2.0-d'],
  );
  assert.equal(plan.bytesFreed, 300);
});

test('--older-than keeps recently used ones, never removes an in-use one', () => {
  const plan = planClean(entries, { now: NOW, olderThanMs: 30 * DAY });
  assert.deepEqual(
    plan.remove.map((e) => e.id),
    ['app-1.0-a'],
  );
  assert.deepEqual(
    plan.skippedInUse.map((e) => e.id),
    ['tool-2.0-d'],
  );
});

test('--keep-latest keeps the N most recently used versions per package', () => {
  const plan = planClean(entries, { now: NOW, keepLatest: 1 });
  assert.deepEqual(plan.remove.map((e) => e.id).sort(), ['app-1.0-a', 'app-1.1-b']);
});

test('--max-size removes least recently used first until under the limit', () => {
  // total 650; in-use 300 stays; removing app-1.0-a (40d) and app-1.1-b (10d) gives 450 ≤ 450
  const plan = planClean(entries, { now: NOW, maxSizeBytes: 450 });
  assert.deepEqual(
    plan.remove.map((e) => e.id),
    ['app-1.0-a', 'app-1.1-b'],
  );
  assert.ok(
    plan.keep.some((e) => e.id === 'app-1.2-c'),
    'the most recently used one is kept',
  );
});

test('unknown entries only go with includeUnknown', () => {
  assert.ok(!planClean(entries, { now: NOW, olderThanMs: DAY }).remove.some((e) => e.id === 'stray'));
  assert.ok(
    planClean(entries, { now: NOW, olderThanMs: DAY, includeUnknown: true }).remove.some(
      (e) => e.id === 'stray',
    ),
  );
});

test('durations and sizes parse; garbage is a usage error', () => {
  assert.equal(parseDuration('30d'), 30 * DAY);
  assert.equal(parseDuration('12h'), 12 * 3_600_000);
  assert.equal(parseDuration('90m'), 90 * 60_000);
  assert.equal(parseDuration('2w'), 14 * DAY);
  assert.equal(parseSize('500M'), 500 * 1024 ** 2);
  assert.equal(parseSize('2G'), 2 * 1024 ** 3);
  assert.equal(parseSize('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('1024'), 1024);
  assert.equal(parseSize('10KiB'), 10 * 1024);
  for (const bad of ['', '30', 'd30', '3 days'])
    assert.throws(
      () => parseDuration(bad),
      (e) => isFlavorError(e, 'USAGE'),
    );
  for (const bad of ['', 'big', '-1M', '5X'])
    assert.throws(
      () => parseSize(bad),
      (e) => isFlavorError(e, 'USAGE'),
    );
});

test('matchEntries: an exact id, else every version of a name', () => {
  assert.deepEqual(
    matchEntries(entries, 'app-1.1-b').map((e) => e.id),
    ['app-1.1-b'],
  );
  assert.equal(matchEntries(entries, 'app').length, 3);
  assert.equal(matchEntries(entries, 'nothing').length, 0);
});
