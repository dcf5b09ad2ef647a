// The keys a package's own launcher pins (its trust block, src/format/trust-block.ts), read from the
// launcher region of an opened package.

import { pinnedKeys } from '../format/index.js';
import type { OpenedPackage } from './open.js';
import { readRegion } from './open.js';

export async function readPinnedKeys(pkg: OpenedPackage): Promise<Uint8Array[]> {
  return pinnedKeys(await readRegion(pkg.path, 0, pkg.layout.launcherSize));
}
