// A third-party DSSE verifier for the provenance tests: securesystemslib's dsse.Envelope.verify with an
// Ed25519 SSlibKey (pyca/cryptography underneath), installed at test time from PyPI by the project's
// pinned uv, every wheel checked by SHA-256 (dsse-verifier-requirements.txt), into .cache/dsse-verifier.
// Nothing of it is in this repository. Without network it is a skip locally and a failure under CI=true.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireTool } from '../../src/python/tools.js';
import { REPO_ROOT } from '../helpers/cli.js';

const REQUIREMENTS = path.join(REPO_ROOT, 'test', 'e2e', 'dsse-verifier-requirements.txt');
const VENV = path.join(REPO_ROOT, '.cache', 'dsse-verifier', 'venv');

/** Verifies an envelope file with the public key; prints {keyids, payload_type, statement}, exits 1 if refused. */
const CHECK = `
import json, sys
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey
from securesystemslib.exceptions import VerificationError
envelope = Envelope.from_dict(json.load(open(sys.argv[1])))
key = SSlibKey(sys.argv[2], "ed25519", "ed25519", {"public": sys.argv[3]})
try:
    accepted = envelope.verify([key], 1)
except VerificationError as e:
    print("refused:", e)
    sys.exit(1)
print(json.dumps({"keyids": sorted(accepted), "payload_type": envelope.payload_type,
                  "statement": json.loads(envelope.payload)}))
`;

export interface ThirdPartyResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): ThirdPartyResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
  return {
    code: r.status ?? 1,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}

/**
 * The verifier's Python, installed once (the stamp is the requirements file's hash). Returns a skip
 * reason when it cannot be installed outside CI; throws under CI=true.
 */
export function ensureDsseVerifier(): { python: string } | { skip: string } {
  const stamp = path.join(VENV, '.stamp');
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    rmSync(VENV, { recursive: true, force: true });
    mkdirSync(path.dirname(VENV), { recursive: true });
    const steps: Array<() => ThirdPartyResult> = [
      () => run('python3', ['-m', 'venv', '--without-pip', VENV]),
      () =>
        run(requireTool('uv', 'installing the DSSE verifier').path, [
          'pip',
          'install',
          '--python',
          path.join(VENV, 'bin', 'python'),
          '--no-deps',
          '--only-binary',
          ':all:',
          '--require-hashes',
          '-q',
          '-r',
          REQUIREMENTS,
        ]),
    ];
    for (const step of steps) {
      const r = step();
      if (r.code !== 0) {
        const reason = `the third-party DSSE verifier (securesystemslib from PyPI, python3 >= 3.10 with venv) could not be installed:\n${r.stderr.trim().split('\n').slice(-8).join('\n')}`;
        if (process.env.CI === 'true')
          throw new Error(`${reason}\nCI must provide it (network access to PyPI)`);
        return { skip: reason };
      }
    }
    writeFileSync(stamp, wanted);
  }
  return { python: path.join(VENV, 'bin', 'python') };
}

/** securesystemslib's verdict on `envelopeFile` under the Ed25519 key (keyid, raw public key hex). */
export function thirdPartyVerify(
  python: string,
  envelopeFile: string,
  keyid: string,
  publicHex: string,
): ThirdPartyResult {
  return run(python, ['-c', CHECK, envelopeFile, keyid, publicHex]);
}
