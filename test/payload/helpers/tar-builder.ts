// Test-only tar writer that can produce hostile archives (no validation at all).

export interface RawEntry {
  name: string;
  /** Type flag character; default '0'. */
  type?: string;
  data?: Buffer | string;
  /** Size written into the header (default: data length). */
  size?: number;
  linkname?: string;
  mode?: number;
  /** PAX records emitted in an 'x' header before this entry. */
  pax?: Record<string, string>;
  /** Emit a GNU 'L' long-name header carrying this name. */
  gnuLongName?: string;
  /** Break the header checksum. */
  badChecksum?: boolean;
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

export function header(e: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.fill(0x20, 148, 156);
  h.write(e.type ?? '0', 156, 1, 'latin1');
  h.write(e.linkname ?? '', 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  if (e.badChecksum) sum += 1;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}

function paxBody(records: Record<string, string>): Buffer {
  const parts = Object.entries(records).map(([k, v]) => {
    const body = ` ${k}=${v}\n`;
    const bl = Buffer.byteLength(body);
    let len = bl + String(bl).length;
    if (String(len).length + bl !== len) len = bl + String(len).length;
    return Buffer.from(`${len}${body}`);
  });
  return Buffer.concat(parts);
}

/** Builds a tar archive; `end: false` omits the two zero blocks. */
export function buildTar(entries: RawEntry[], options: { end?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const body = paxBody(e.pax);
      out.push(header({ name: '././@PaxHeader', type: 'x' }, body.length), body, pad(body.length));
    }
    if (e.gnuLongName !== undefined) {
      const body = Buffer.from(`${e.gnuLongName}\0`);
      out.push(header({ name: '././@LongLink', type: 'L' }, body.length), body, pad(body.length));
    }
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    out.push(header(e, e.size ?? data.length), data, pad(data.length));
  }
  if (options.end !== false) out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}
