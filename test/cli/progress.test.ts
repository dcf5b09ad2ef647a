// The pack progress line on a (fake) terminal with a fake clock: at most 10 redraws a second however often
// the builder reports, and every drawn line is complete (its parentheses closed), also on a terminal that
// reports 0 columns (as under `script`), where the old code cut the last character.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Output } from '../../src/cli/output.js';
import { buildProgressPrinter, REDRAW_INTERVAL_MS } from '../../src/cli/progress.js';

function fakeTerminal(columns: number): { out: Output; lines: () => string[] } {
  const chunks: string[] = [];
  const stderr = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY: true, columns },
  );
  const stdout = new Writable({ write: (_c, _e, done) => done() });
  const out = new Output({ stdout, stderr, env: {} });
  // Each redraw starts with "\r\x1b[2K"; the text after it is what the user sees.
  const lines = () =>
    chunks
      .join('')
      .split('\r\x1b[2K')
      .filter((l) => l !== '');
  return { out, lines };
}

test('2 s of chunk reports at 600/s redraw the line at most 10 times a second', () => {
  const { out, lines } = fakeTerminal(120);
  let clock = 1_000_000;
  const print = buildProgressPrinter(out, () => clock);
  for (let i = 1; i <= 1200; i++) {
    clock += 1000 / 600;
    print({ phase: 'slot', slotId: 'app', slotIndex: 0, slotCount: 2, bytes: i * 65536 });
  }
  const drawn = lines();
  assert.ok(drawn.length >= 19 && drawn.length <= 21, `${drawn.length} redraws in 2 s`);
  assert.ok(drawn.length <= 2000 / REDRAW_INTERVAL_MS + 1);
});

test('every drawn line is whole: "(… MiB/s)" is closed, even when the terminal reports 0 columns', () => {
  for (const columns of [0, 200]) {
    const { out, lines } = fakeTerminal(columns);
    let clock = 0;
    const print = buildProgressPrinter(out, () => clock);
    for (let i = 1; i <= 50; i++) {
      clock += 50;
      print({ phase: 'slot', slotId: 'site-packages', slotIndex: 1, slotCount: 3, bytes: i * 1048576 });
    }
    const drawn = lines();
    assert.ok(drawn.length > 5);
    for (const line of drawn) {
      assert.match(
        line,
        /^packing slot 2\/3 site-packages: [\d.]+ (KiB|MiB)( \([\d.]+ (KiB|MiB|GiB)\/s\))?$/,
        line,
      );
    }
    assert.match(drawn.at(-1)!, /\(20\.4 MiB\/s\)$/, 'the rate is bytes over elapsed time');
  }
});

test('a new slot and the assemble phase are shown; done clears the line', () => {
  const { out, lines } = fakeTerminal(100);
  let clock = 0;
  const print = buildProgressPrinter(out, () => clock);
  print({ phase: 'slot', slotId: 'a', slotIndex: 0, slotCount: 2, bytes: 10 });
  clock += 200;
  print({ phase: 'slot', slotId: 'b', slotIndex: 1, slotCount: 2, bytes: 10 });
  print({ phase: 'assemble' });
  print({ phase: 'done' });
  assert.deepEqual(lines(), ['packing slot 1/2 a: 10 B', 'packing slot 2/2 b: 10 B', 'writing package…']);
});

test('nothing is drawn when stderr is not a terminal', () => {
  const chunks: string[] = [];
  const stderr = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const out = new Output({ stdout: new Writable({ write: (_c, _e, d) => d() }), stderr, env: {} });
  buildProgressPrinter(out, () => 0)({ phase: 'slot', slotId: 'a', slotIndex: 0, slotCount: 1, bytes: 1 });
  assert.deepEqual(chunks, []);
});
