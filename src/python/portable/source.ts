// The portable runtime as a runtime source for target selection (src/python/runtime-sources.ts on the
// platform branch: append it to EXTRA_RUNTIME_SOURCES). It supplies the Linux targets the recipe builds;
// `buildPortableRuntime` (build.ts) then gives the tree, built or from the build cache.

import { isPortableTarget } from './build.js';

export const PORTABLE_LINUX_SOURCE = {
  kind: 'portable-linux' as const,
  description: 'the portable CPython built from verified source for glibc >= 2.17 (flavor runtime build)',
  supplies(platform: string): boolean {
    return isPortableTarget(platform);
  },
};
