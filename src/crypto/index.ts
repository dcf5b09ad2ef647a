// crypto/: digests, Ed25519 keys and signatures. Knows nothing about the package format.
export * from './digest.js';
export * from './dsse.js';
export * from './keys.js';
export * from './signature.js';
export * from './slot-key.js';
