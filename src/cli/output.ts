// The only place that writes to the terminal. Rules: results on stdout; progress, warnings and errors on
// stderr; messages are lower-case `flavor: error: …` then `hint: …`; no colour unless stderr is a TTY and
// NO_COLOR is unset; no stack trace unless --debug; key material is never printed.

import type { Writable } from 'node:stream';
import { toFlavorError } from '../errors.js';

export interface OutputStreams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export class Output {
  readonly color: boolean;
  private progressShown = false;

  constructor(
    readonly streams: OutputStreams,
    readonly options: { quiet?: boolean; debug?: boolean; json?: boolean } = {},
  ) {
    this.color = Boolean(streams.stderr.isTTY) && !streams.env.NO_COLOR && streams.env.TERM !== 'dumb';
  }

  /** A result line on stdout. */
  print(line = ''): void {
    this.clearProgress();
    this.streams.stdout.write(`${line}\n`);
  }

  json(value: unknown): void {
    this.clearProgress();
    this.streams.stdout.write(
      `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
    );
  }

  /** Informational line on stderr (silenced by --quiet). */
  info(line: string): void {
    if (this.options.quiet) return;
    this.clearProgress();
    this.streams.stderr.write(`${line}\n`);
  }

  warn(message: string): void {
    this.clearProgress();
    this.streams.stderr.write(`${this.paint('33', 'flavor: warning:')} ${message}\n`);
  }

  /** A transient status line, only on a TTY and never with --quiet. */
  progress(line: string): void {
    if (this.options.quiet || !this.streams.stderr.isTTY) return;
    // A terminal of unknown size reports 0 columns: then the line is not cut (slice(0, -1) lost its last char).
    const columns = this.streams.stderr.columns ?? 0;
    const width = columns > 1 ? columns - 1 : Number.POSITIVE_INFINITY;
    this.streams.stderr.write(`\r\x1b[2K${line.slice(0, width)}`);
    this.progressShown = true;
  }

  clearProgress(): void {
    if (!this.progressShown) return;
    this.streams.stderr.write('\r\x1b[2K');
    this.progressShown = false;
  }

  get isTTY(): boolean {
    return Boolean(this.streams.stderr.isTTY);
  }

  error(value: unknown): number {
    const err = toFlavorError(value);
    this.clearProgress();
    if (this.options.json) {
      this.streams.stdout.write(`${JSON.stringify({ ok: false, error: err.toJSON() }, null, 2)}\n`);
    }
    const where = err.path ? ` (${err.path})` : '';
    const region = typeof err.details?.region === 'string' ? `[${err.details.region}] ` : '';
    this.streams.stderr.write(`${this.paint('31', 'flavor: error:')} ${region}${err.message}${where}\n`);
    if (err.hint) this.streams.stderr.write(`${this.paint('36', 'hint:')} ${err.hint}\n`);
    if (this.options.debug) {
      this.streams.stderr.write(`code: ${err.code}\n${err.stack ?? ''}\n`);
      if (err.cause instanceof Error)
        this.streams.stderr.write(`cause: ${err.cause.stack ?? err.cause.message}\n`);
    }
    return err.exitCode;
  }

  paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}
