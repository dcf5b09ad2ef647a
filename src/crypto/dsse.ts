// DSSE (Dead Simple Signing Envelope, github.com/secure-systems-lab/dsse, protocol v1): the signature
// covers PAE(payloadType, payload), never the JSON of the envelope, so the envelope can be re-serialized
// freely. Signatures are Ed25519 over the PAE bytes; `keyid` is the key fingerprint ("sha256:<hex>").

import { FlavorError } from '../errors.js';
import { fingerprint } from './keys.js';
import { type Signer, verifySignature } from './signature.js';

export interface DsseSignature {
  keyid: string;
  /** Base64 (standard alphabet, padded) of the 64-byte Ed25519 signature. */
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** Base64 (standard alphabet, padded) of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

/**
 * The Pre-Authentication Encoding of DSSE v1:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as ASCII decimal of the byte counts.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} `, 'utf8');
  const middle = Buffer.from(` ${payload.length} `, 'utf8');
  return new Uint8Array(Buffer.concat([head, type, middle, payload]));
}

/** An envelope around `payload`, signed once by `signer`. */
export function signEnvelope(payloadType: string, payload: Uint8Array, signer: Signer): DsseEnvelope {
  const sig = signer.sign(preAuthEncoding(payloadType, payload));
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: fingerprint(signer.publicKeyRaw), sig: Buffer.from(sig).toString('base64') }],
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64: the standard alphabet with padding, and nothing a lenient decoder would skip. */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!BASE64.test(text)) throw invalid(`${what} is not base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/**
 * The payload of `envelope` when one of its signatures is a valid Ed25519 signature by `publicKeyRaw`
 * over PAE(payloadType, payload) with the expected payload type; a typed error otherwise. Signatures
 * whose keyid names another key are ignored; a signature under this key's keyid that does not verify
 * is refused (PROVENANCE_INVALID).
 */
export function verifyEnvelope(
  envelope: DsseEnvelope,
  publicKeyRaw: Uint8Array,
  expectedType: string,
): Uint8Array {
  if (envelope.payloadType !== expectedType) {
    throw invalid(`the envelope's payloadType is "${envelope.payloadType}", expected "${expectedType}"`);
  }
  const payload = decodeBase64(envelope.payload, 'the envelope payload');
  const keyid = fingerprint(publicKeyRaw);
  const mine = envelope.signatures.filter((s) => s.keyid === keyid);
  if (mine.length === 0) {
    throw invalid(`the envelope has no signature by the package key ${keyid}`, {
      hint: 'the provenance was signed by another key than the package: it was replaced',
    });
  }
  const message = preAuthEncoding(envelope.payloadType, payload);
  for (const s of mine) {
    const sig = decodeBase64(s.sig, 'a signature');
    if (sig.length !== 64 || !verifySignature(message, sig, publicKeyRaw)) {
      throw invalid('the envelope signature does not match its payload and the package key', {
        hint: 'the provenance payload or its signature was modified',
      });
    }
  }
  return payload;
}

function invalid(message: string, options: { hint?: string } = {}): FlavorError {
  return new FlavorError('PROVENANCE_INVALID', message, {
    ...options,
    details: { region: 'metadata.provenance' },
  });
}
