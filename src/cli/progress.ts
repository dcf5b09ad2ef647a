// The pack progress line. A slot reports every chunk it encodes (hundreds of times a second), so the line is
// redrawn at most once per REDRAW_INTERVAL_MS; each redraw is the whole text, closing parenthesis included.

import type { BuildProgress } from '../builder/build.js';
import { formatBytes, type Output } from './output.js';

/** At most 10 redraws a second. */
export const REDRAW_INTERVAL_MS = 100;

export function buildProgressPrinter(out: Output, now: () => number = Date.now): (p: BuildProgress) => void {
  let slotStarted = now();
  let current = -1;
  let lastDraw = Number.NEGATIVE_INFINITY;
  return (p) => {
    if (p.phase === 'slot') {
      const t = now();
      if (p.slotIndex !== current) {
        current = p.slotIndex ?? -1;
        slotStarted = t;
      }
      if (t - lastDraw < REDRAW_INTERVAL_MS) return;
      lastDraw = t;
      out.progress(slotLine(p, t - slotStarted));
    } else if (p.phase === 'assemble') {
      lastDraw = now();
      out.progress('writing package…');
    } else {
      out.clearProgress();
    }
  };
}

/** "packing slot 2/3 app: 4.0 MiB (12.5 MiB/s)"; the rate only once it means something. */
export function slotLine(p: BuildProgress, elapsedMs: number): string {
  const bytes = p.bytes ?? 0;
  const rate =
    elapsedMs >= REDRAW_INTERVAL_MS ? ` (${formatBytes(Math.round((bytes * 1000) / elapsedMs))}/s)` : '';
  return `packing slot ${(p.slotIndex ?? 0) + 1}/${p.slotCount} ${p.slotId}: ${formatBytes(bytes)}${rate}`;
}
