// The checks pack() makes before building (issue 12): the output can be written, the launcher is a PSPF
// launcher for the target platform, and the trust keys (if any) include the signing key — a launcher that
// trusts only other keys would refuse the package it is part of on every run (exit 107).

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkLauncher } from '../builder/launcher-check.js';
import {
  checkPlatform,
  describeLauncher,
  embeddedVersion,
  hostPlatformName,
  type LauncherInfo,
  resolveLauncher,
} from '../builder/launchers.js';
import { patchTrustBlock } from '../builder/trust-block.js';
import { fingerprint, loadPublicKeySpec } from '../crypto/keys.js';
import { FlavorError } from '../errors.js';
import { checkOutputFile, checkOutputFolder } from './output-path.js';

export interface TargetRequest {
  /** The output as given (resolved against `cwd`); undefined: the plan's default. */
  output: string | undefined;
  /** Where the package goes without an output; for a pyproject only its folder is known yet. */
  defaultOutput: string;
  launcherBin: string | undefined;
  platform: string | undefined;
  trustKeys: string[];
  /** The signing key was given (not ephemeral): decides the hint of a missing trust key. */
  keyGiven: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Targets {
  /** The output path, resolved; undefined: the plan's default (checked here when it is known already). */
  output: string | undefined;
  platform: string;
  launcherPath: string;
  launcherVersion: string;
  /** Ours or upstream's (docs/compat.md): a launcher that is not ours is recorded as what it is. */
  launcher: LauncherInfo;
  trustKeys: Uint8Array[];
}

/** Everything that can be checked without building, checked before the (long) build. */
export async function checkTargets(
  request: TargetRequest,
  key: { publicKeyRaw: Uint8Array },
): Promise<Targets> {
  const output = request.output === undefined ? undefined : path.resolve(request.cwd, request.output);
  if (output === undefined) await checkOutputFolder(path.dirname(request.defaultOutput));
  else await checkOutputFile(output);
  const platform = request.platform ?? hostPlatformName();
  const launcherPath = await resolveLauncher(request.launcherBin, platform, request.env);
  const launcherBytes = await fs.readFile(launcherPath);
  checkLauncher(launcherBytes, checkPlatform(platform), launcherPath);
  const launcher = await describeLauncher(launcherPath);
  if (request.trustKeys.length > 0 && !launcher.ours) {
    throw new FlavorError(
      'USAGE',
      "--trust-key needs FlavorPack's own launcher (it patches its trust block)",
      { hint: 'leave out --launcher-bin, or --trust-key' },
    );
  }
  const trustKeys = await loadTrustKeys(request.trustKeys, key, request.keyGiven);
  patchTrustBlock(launcherBytes, trustKeys);
  const launcherVersion = launcher.ours ? embeddedVersion(launcherBytes) : launcher.version;
  return { output, platform, launcherPath, launcherVersion, launcher, trustKeys };
}

async function loadTrustKeys(
  specs: string[],
  key: { publicKeyRaw: Uint8Array },
  keyGiven: boolean,
): Promise<Uint8Array[]> {
  const loaded = await Promise.all(specs.map((k) => loadPublicKeySpec(k)));
  const raws = loaded.map((k) => {
    if (!k.raw)
      throw new FlavorError(
        'USAGE',
        '--trust-key needs a full public key (PEM or 64 hex digits), not a fingerprint',
      );
    return k.raw;
  });
  if (raws.length > 0 && !raws.some((raw) => Buffer.from(raw).equals(Buffer.from(key.publicKeyRaw)))) {
    const signing = fingerprint(key.publicKeyRaw);
    throw new FlavorError(
      'KEY_INVALID',
      `--trust-key does not include the signing key (${signing}): the launcher would refuse this package on every run`,
      {
        hint: keyGiven
          ? 'add --trust-key with the signing public key (e.g. keys/flavor-public.key), or leave --trust-key out'
          : 'sign with the key you trust: add --private-key (or --key-seed) for it',
      },
    );
  }
  return raws;
}
