// Small helpers shared by the payload modules: error wrapping and async-iterable plumbing.

import { FlavorError } from '../errors.js';

/** An async byte-stream transformation stage. */
export type Stage = (input: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

export function corrupt(message: string, cause?: unknown, details?: Record<string, unknown>): FlavorError {
  return new FlavorError('PAYLOAD_CORRUPT', message, {
    cause,
    details,
    hint: 'the package is damaged or was not produced by a compatible builder',
  });
}

function errnoOf(err: unknown): NodeJS.ErrnoException | undefined {
  if (err && typeof err === 'object' && typeof (err as NodeJS.ErrnoException).code === 'string') {
    return err as NodeJS.ErrnoException;
  }
  return undefined;
}

/** File-system errors become IO_ERROR (EEXIST: OUTPUT_EXISTS); FlavorErrors pass through. */
export function ioError(err: unknown, what: string, path?: string): FlavorError {
  if (err instanceof FlavorError) return err;
  const e = errnoOf(err);
  if (e?.code === 'EEXIST') {
    return new FlavorError('OUTPUT_EXISTS', `${what}: file already exists`, {
      cause: err,
      path: e.path ?? path,
      hint: 'use --force to overwrite',
    });
  }
  const code = e?.code ?? (err instanceof Error ? err.message : String(err));
  return new FlavorError('IO_ERROR', `${what} failed: ${code}`, { cause: err, path: e?.path ?? path });
}

/** Errors raised by a decoder (zlib, fzstd, wasm, ...) become PAYLOAD_CORRUPT; FlavorErrors pass through. */
export function decoderError(err: unknown, codec: string): FlavorError {
  if (err instanceof FlavorError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return corrupt(`corrupt ${codec} stream: ${msg}`, err, { codec });
}

export function errnoCode(err: unknown): string | undefined {
  return errnoOf(err)?.code;
}

export function toBuffer(chunk: Uint8Array | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
