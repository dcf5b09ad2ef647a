// Pull-based reader over an async iterable of byte chunks: exact reads, optional reads at a clean
// end of stream, and zero-copy streaming of a known number of bytes.

import { corrupt, toBuffer } from './util.js';

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private cur: Buffer = Buffer.alloc(0);
  private pos = 0;
  private eof = false;
  /** Total bytes handed out so far. */
  consumed = 0;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly what: string,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.cur.length) {
      if (this.eof) return false;
      const r = await this.it.next();
      if (r.done) {
        this.eof = true;
        return false;
      }
      this.cur = toBuffer(r.value);
      this.pos = 0;
    }
    return true;
  }

  /** Exactly `n` bytes, or null when the stream ends cleanly before the first byte. Truncation throws. */
  async readOptional(n: number): Promise<Buffer | null> {
    if (n === 0) return Buffer.alloc(0);
    if (!(await this.fill())) return null;
    return this.read(n);
  }

  /** Exactly `n` bytes; PAYLOAD_CORRUPT if the stream ends first. */
  async read(n: number): Promise<Buffer> {
    if (this.pos + n <= this.cur.length) {
      const out = this.cur.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.consumed += n;
      return out;
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (!(await this.fill())) {
        throw corrupt(`truncated ${this.what}: expected ${need} more bytes`, undefined, { missing: need });
      }
      const take = Math.min(need, this.cur.length - this.pos);
      parts.push(this.cur.subarray(this.pos, this.pos + take));
      this.pos += take;
      need -= take;
    }
    this.consumed += n;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, n);
  }

  /** Yields exactly `n` bytes in pieces (views into the source chunks). */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let need = n;
    while (need > 0) {
      if (!(await this.fill())) {
        throw corrupt(`truncated ${this.what}: expected ${need} more bytes`, undefined, { missing: need });
      }
      const take = Math.min(need, this.cur.length - this.pos);
      const piece = this.cur.subarray(this.pos, this.pos + take);
      this.pos += take;
      this.consumed += take;
      need -= take;
      yield piece;
    }
  }

  /** Reads and discards everything up to the end of the stream; returns the number of bytes. */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.fill()) {
      n += this.cur.length - this.pos;
      this.pos = this.cur.length;
    }
    this.consumed += n;
    return n;
  }

  /** Stops the underlying iterator (e.g. after an error). */
  async close(): Promise<void> {
    if (!this.eof) {
      this.eof = true;
      await this.it.return?.();
    }
  }
}
