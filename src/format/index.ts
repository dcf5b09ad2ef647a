// format/: PSPF/2025 bytes ⇄ typed values. No file system, no compression, no crypto.
export * from './bytes.js';
export * from './constants.js';
export * from './encryption.js';
export * from './glibc.js';
export * from './index-block.js';
export * from './json-keys.js';
export * from './layout.js';
export * from './metadata.js';
export * from './operations.js';
export * from './platform.js';
export * from './provenance.js';
export * from './slot-descriptor.js';
export * from './trailer.js';
export * from './trust-block.js';
