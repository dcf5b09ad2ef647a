// Installing dependencies for another platform than this machine's (a Windows package built on Linux):
// uv resolves and installs wheels for the target's tags and markers (--python-platform,
// --python-version) and never builds from source (--only-binary :all:): a wheel compiled here would be
// for this machine. A dependency with no wheel for the target is a NO_WHEEL_FOR_TARGET error naming it.

import { FlavorError } from '../errors.js';

export interface CrossTarget {
  /** Our platform name, e.g. "windows_amd64". */
  platform: string;
  /** uv's --python-platform, e.g. "x86_64-pc-windows-msvc". */
  uvPlatform: string;
  /** The wheel platform tag the target accepts, for messages ("win_amd64"). */
  wheelTag: string;
  /** "3.11" */
  pythonVersion: string;
  /** Where site-packages is under the runtime root on the target ("Lib/site-packages"). */
  sitePackagesRel: string;
}

/** The uv arguments that make an install (or `uv pip compile`) resolve for the target. */
export function crossUvArgs(target: CrossTarget): string[] {
  return ['--python-platform', target.uvPlatform, '--python-version', target.pythonVersion];
}

/** The distributions uv says have no usable wheel, in order, without duplicates. */
export function missingWheels(output: string): string[] {
  const names = [
    ...[
      ...output.matchAll(/\b([A-Za-z0-9][A-Za-z0-9._-]*)(?:[=<>!~]=?[^\s,]*)? has no (?:usable )?wheels/g),
    ].map((m) => m[1] as string),
    ...[...output.matchAll(/Wheels are required for `([^`]+)`/g)].map((m) => m[1] as string),
  ];
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/** NO_WHEEL_FOR_TARGET naming the distributions, when the install output says that is what failed. */
export function noWheelError(output: string, target: CrossTarget): FlavorError | undefined {
  const names = missingWheels(output);
  if (names.length === 0) return undefined;
  const list = names.join(', ');
  return new FlavorError(
    'NO_WHEEL_FOR_TARGET',
    `no ${target.wheelTag} wheel for Python ${target.pythonVersion}: ${list} (a package for ${target.platform} cannot compile it here)`,
    {
      hint: `pin a version of ${list} that publishes a ${target.wheelTag} wheel for Python ${target.pythonVersion} (see its files on PyPI), drop the dependency, or build the package on ${target.platform}`,
      details: { distributions: names, platform: target.platform, python: target.pythonVersion },
    },
  );
}
