// `flavor pack --provenance-out FILE`: the package's provenance as a stand-alone DSSE envelope for an
// attestation store. The embedded statement cannot name the package file (it is inside it); this one
// can: its subject is the finished file (name and SHA-256), its predicate the embedded one, signed by
// the same key. Any DSSE verifier checks it with the package's public key (docs/supply-chain.md).

import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeStatement } from '../builder/provenance.js';
import { createSha256 } from '../crypto/digest.js';
import { type DsseEnvelope, signEnvelope } from '../crypto/dsse.js';
import type { Signer } from '../crypto/signature.js';
import { DSSE_PAYLOAD_TYPE, type ProvenanceStatement } from '../format/index.js';
import type { OpenedPackage } from '../reader/open.js';
import { embeddedStatement } from '../reader/provenance.js';

/** The envelope about the package file `pkg` (already verified), signed by `signer`. */
export async function packageFileEnvelope(pkg: OpenedPackage, signer: Signer): Promise<DsseEnvelope> {
  const statement: ProvenanceStatement = {
    ...embeddedStatement(pkg),
    subject: [{ name: path.basename(pkg.path), digest: { sha256: await sha256OfFile(pkg.path) } }],
  };
  return signEnvelope(DSSE_PAYLOAD_TYPE, encodeStatement(statement), signer);
}

/** Writes the envelope as JSON through a temp file and a rename: never half a file. */
export async function writeEnvelope(file: string, envelope: DsseEnvelope): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await fs.writeFile(temp, `${JSON.stringify(envelope, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
    await fs.rename(temp, file);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createSha256();
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
