// A slot's `platform` (signed metadata key, docs/format.md): "linux", "darwin", "windows" or an
// "<os>_<arch>" like "linux_amd64"; absent (or null) means every machine. The launcher
// (launcher/internal/format/platform.go) and `flavor extract` decide with the same rule, pinned by
// testdata/vectors/platform-match.json.

import { PLATFORM } from './slot-descriptor.js';

/** The operating systems a slot may be limited to (Go GOOS names). */
export const PLATFORM_OSES = ['linux', 'darwin', 'windows'] as const;

/** What a reader accepts in the metadata: an OS, optionally "_" and a Go GOARCH-like name. */
export const PLATFORM_RE = /^(linux|darwin|windows)(_[a-z0-9]{1,16})?$/;

/** A machine: Go's GOOS and GOARCH names ("linux", "amd64"). */
export interface HostPlatform {
  os: string;
  arch: string;
}

/** True when a slot for `platform` is extracted on `host`: same OS, and same arch when one is named. */
export function platformMatches(platform: string | undefined, host: HostPlatform): boolean {
  if (platform === undefined) return true;
  const cut = platform.indexOf('_');
  const os = cut < 0 ? platform : platform.slice(0, cut);
  const arch = cut < 0 ? undefined : platform.slice(cut + 1);
  return os === host.os && (arch === undefined || arch === host.arch);
}

/** The descriptor's platform byte (OS only; the arch is in the metadata): ANY 0, LINUX 1, DARWIN 2, WINDOWS 3. */
export function platformCode(platform: string | undefined): number {
  if (platform === undefined) return PLATFORM.ANY;
  const os = platform.split('_')[0];
  if (os === 'linux') return PLATFORM.LINUX;
  if (os === 'darwin') return PLATFORM.DARWIN;
  if (os === 'windows') return PLATFORM.WINDOWS;
  return PLATFORM.ANY;
}
