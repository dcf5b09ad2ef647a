// Slot keys (encrypted slots, docs/supply-chain.md): where a key comes from (an environment variable, a
// file, a prompt on the terminal) and its text form: 64 hex digits, or 44 characters of standard padded
// base64, for 32 bytes. The same rules as the launcher's payload/keysource.go; the shared vectors in
// testdata/vectors/encrypted pin them. No message ever contains the key or any part of it.

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlavorError } from '../errors.js';

/** Where a slot key comes from (the same shape as format/'s KeySource). */
export type KeySource = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'prompt' };

export interface KeySourceContext {
  /** The environment `env:NAME` reads. */
  env: Record<string, string | undefined>;
  /** The folder a relative `file:PATH` is resolved against. */
  baseDir: string;
  /** Asks for the key on a terminal (`prompt`); default: promptHidden. */
  prompt?: (question: string) => Promise<string>;
}

/** A key file is a line of text; anything larger is not one. */
const MAX_KEY_FILE_BYTES = 4096;

const HEX64 = /^[0-9a-fA-F]{64}$/;
const BASE64_32 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** The text a key source names, e.g. `env:APP_KEY` (for messages). */
export function describeKeySource(source: KeySource): string {
  return source.kind === 'env'
    ? `env:${source.name}`
    : source.kind === 'file'
      ? `file:${source.path}`
      : 'prompt';
}

/**
 * Parses key text: surrounding whitespace is ignored; then exactly 64 hex digits, or 44 characters of
 * canonical standard base64 with its one `=`. Anything else is SLOT_KEY_INVALID naming `from`.
 */
export function parseSlotKey(text: string, from: string): Uint8Array {
  const t = text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (HEX64.test(t)) return new Uint8Array(Buffer.from(t, 'hex'));
  if (BASE64_32.test(t)) return new Uint8Array(Buffer.from(t, 'base64'));
  const problem =
    t.length === 0
      ? 'it is empty'
      : t.length === 64
        ? 'it is 64 characters but not all hex digits'
        : t.length === 44
          ? 'it is 44 characters but not canonical base64 of 32 bytes'
          : `it is ${t.length} characters`;
  throw new FlavorError('SLOT_KEY_INVALID', `the slot key from ${from} is not a 32-byte key: ${problem}`, {
    hint: 'a slot key is 32 random bytes as 64 hex digits (`openssl rand -hex 32`) or 44 base64 characters (`openssl rand -base64 32`)',
  });
}

/** Reads and parses the key a source names. SLOT_KEY_MISSING when it gives nothing. */
export async function resolveSlotKey(source: KeySource, ctx: KeySourceContext): Promise<Uint8Array> {
  const from = describeKeySource(source);
  return parseSlotKey(await keyText(source, ctx, from), from);
}

async function keyText(source: KeySource, ctx: KeySourceContext, from: string): Promise<string> {
  switch (source.kind) {
    case 'env': {
      const value = ctx.env[source.name];
      if (value === undefined || value === '') {
        throw missing(`the environment variable ${source.name} is not set`, from);
      }
      return value;
    }
    case 'file':
      return readKeyFile(resolveKeyPath(source.path, ctx.baseDir), from);
    case 'prompt':
      return (ctx.prompt ?? promptHidden)('slot key: ');
  }
}

/** `~/x` is in the home folder; a relative path is relative to `baseDir`. */
export function resolveKeyPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(baseDir, p);
}

async function readKeyFile(file: string, from: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw missing(`cannot read the key file (${code})`, from, file);
  }
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    throw new FlavorError('SLOT_KEY_INVALID', `the key file of ${from} is ${bytes.length} bytes, not a key`, {
      path: file,
      hint: 'the file must hold only the key: 64 hex digits or 44 base64 characters',
    });
  }
  return bytes.toString('utf8');
}

function missing(message: string, from: string, file?: string): FlavorError {
  return new FlavorError('SLOT_KEY_MISSING', `no slot key from ${from}: ${message}`, {
    ...(file === undefined ? {} : { path: file }),
    hint: 'the slot is encrypted: provide its key where the key source says (see docs/supply-chain.md)',
  });
}

/** Reads one line from the terminal without echoing it. SLOT_KEY_MISSING without a terminal. */
export async function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    throw missing('there is no terminal to ask on', 'prompt');
  }
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let line = '';
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(line));
          if (ch === '\u0003' || ch === '\u0004') {
            return done(() => reject(missing('the prompt was cancelled', 'prompt')));
          }
          line = ch === '\u007f' || ch === '\b' ? line.slice(0, -1) : line + ch;
        }
      };
      const done = (settle: () => void) => {
        input.off('data', onData);
        settle();
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}
