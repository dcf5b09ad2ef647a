// Workenv identity (docs/workenv.md): <name>-<version>-<first 16 hex of SHA-256(signed metadata bytes)>.
// Must match the Go launcher byte for byte; the shared vectors carry the expected value.

import { sha256Hex } from '../crypto/digest.js';

function sanitize(part: string): string {
  const bytes = Buffer.from(part, 'utf8');
  let out = '';
  for (const b of bytes.subarray(0, 64)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._+-]/.test(c) ? c : '_';
  }
  return out.startsWith('.') ? `_${out.slice(1)}` : out;
}

/** The folder of a package name's persistent store, `<root>/persistent/<storeName>` (docs/workenv.md). */
export function storeName(packageName: string): string {
  return sanitize(packageName);
}

export function workenvId(name: string, version: string, signedMetadata: Uint8Array): string {
  return `${sanitize(name)}-${sanitize(version)}-${sha256Hex(signedMetadata).slice(0, 16)}`;
}
