// The only place that writes to the terminal. Rules: results on stdout; progress, warnings and errors on
// stderr; messages are lower-case `flavor: error: …` then `hint: …`; no colour unless stderr is a TTY and
// NO_COLOR is unset; no stack trace unless --debug; key material is never printed.
// A reader that goes away (`flavor verify PKG | head -1`) is not an error: once a stream reports EPIPE,
// later writes to it are dropped and the command finishes quietly with its own exit code.

import type { Writable } from 'node:stream';
import { FlavorError, toFlavorError } from '../errors.js';

export interface OutputStreams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export class Output {
  readonly color: boolean;
  private progressShown = false;
  /** Every warning printed so far: repeated with a final error, so a pack that fails does not bury them. */
  readonly warnings: string[] = [];
  /** Lines written to the terminal since the last warning (repeating warnings right above is noise). */
  private linesSinceWarning = 0;
  /** Streams whose reader went away or that failed: nothing more is written to them. */
  private readonly closed = new Set<Writable>();
  /** The first write failure that was not a closed pipe (e.g. ENOSPC on a redirected stdout). */
  private writeFailure: NodeJS.ErrnoException | undefined;

  constructor(
    readonly streams: OutputStreams,
    readonly options: { quiet?: boolean; debug?: boolean; json?: boolean } = {},
  ) {
    this.color = Boolean(streams.stderr.isTTY) && !streams.env.NO_COLOR && streams.env.TERM !== 'dumb';
    for (const stream of [streams.stdout, streams.stderr]) {
      stream.on('error', (err: NodeJS.ErrnoException) => this.onWriteError(stream, err));
    }
  }

  /** A result line on stdout. */
  print(line = ''): void {
    this.clearProgress();
    this.linesSinceWarning++;
    this.write(this.streams.stdout, `${line}\n`);
  }

  json(value: unknown): void {
    this.clearProgress();
    this.write(
      this.streams.stdout,
      `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
    );
  }

  /** Waits until everything written so far reached the streams (or failed), so failures are known. */
  async settle(): Promise<void> {
    for (const stream of [this.streams.stdout, this.streams.stderr]) {
      if (this.closed.has(stream) || stream.destroyed) continue;
      await new Promise<void>((resolve) => stream.write('', () => resolve()));
    }
  }

  /**
   * After the command: an IO_ERROR when stdout or stderr failed for another reason than a closed pipe
   * (the output is incomplete and the caller must know), else undefined.
   */
  outputFailure(): FlavorError | undefined {
    const err = this.writeFailure;
    if (!err) return undefined;
    return new FlavorError('IO_ERROR', `cannot write the output: ${err.code ?? err.message}`, { cause: err });
  }

  /** Informational line on stderr (silenced by --quiet). */
  info(line: string): void {
    if (this.options.quiet) return;
    this.clearProgress();
    this.linesSinceWarning++;
    this.write(this.streams.stderr, `${line}\n`);
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.linesSinceWarning = 0;
    this.clearProgress();
    this.write(this.streams.stderr, `${this.paint('33', 'flavor: warning:')} ${message}\n`);
  }

  /** A transient status line, only on a TTY and never with --quiet. */
  progress(line: string): void {
    if (this.options.quiet || !this.streams.stderr.isTTY) return;
    // A terminal of unknown size reports 0 columns: then the line is not cut (slice(0, -1) lost its last char).
    const columns = this.streams.stderr.columns ?? 0;
    const width = columns > 1 ? columns - 1 : Number.POSITIVE_INFINITY;
    this.write(this.streams.stderr, `\r\x1b[2K${line.slice(0, width)}`);
    this.progressShown = true;
  }

  clearProgress(): void {
    if (!this.progressShown) return;
    this.write(this.streams.stderr, '\r\x1b[2K');
    this.progressShown = false;
  }

  get isTTY(): boolean {
    return Boolean(this.streams.stderr.isTTY);
  }

  error(value: unknown): number {
    const err = toFlavorError(value);
    this.clearProgress();
    if (this.options.json) {
      const warnings = this.warnings.length > 0 ? { warnings: this.warnings } : {};
      this.write(
        this.streams.stdout,
        `${JSON.stringify({ ok: false, error: err.toJSON(), ...warnings }, null, 2)}\n`,
      );
    }
    this.repeatWarnings();
    const where = err.path ? ` (${err.path})` : '';
    const region = typeof err.details?.region === 'string' ? `[${err.details.region}] ` : '';
    this.write(
      this.streams.stderr,
      `${this.paint('31', 'flavor: error:')} ${region}${err.message}${where}\n`,
    );
    if (err.hint) this.write(this.streams.stderr, `${this.paint('36', 'hint:')} ${err.hint}\n`);
    if (this.options.debug) {
      this.write(this.streams.stderr, `code: ${err.code}\n${err.stack ?? ''}\n`);
      if (err.cause instanceof Error)
        this.write(this.streams.stderr, `cause: ${err.cause.stack ?? err.cause.message}\n`);
    }
    return err.exitCode;
  }

  /** Before the final error: the warnings printed earlier (a typo warning may explain the failure). */
  private repeatWarnings(): void {
    if (this.warnings.length === 0 || this.linesSinceWarning === 0) return;
    const n = this.warnings.length;
    this.write(
      this.streams.stderr,
      `${this.paint('33', 'flavor: warning:')} ${n === 1 ? 'this warning was' : `these ${n} warnings were`} printed before the error:\n`,
    );
    for (const w of this.warnings) this.write(this.streams.stderr, `  - ${w}\n`);
  }

  private write(stream: Writable, text: string): void {
    if (this.closed.has(stream) || stream.destroyed) return;
    stream.write(text);
  }

  private onWriteError(stream: Writable, err: NodeJS.ErrnoException): void {
    this.closed.add(stream);
    if (err.code !== 'EPIPE' && this.writeFailure === undefined) this.writeFailure = err;
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
