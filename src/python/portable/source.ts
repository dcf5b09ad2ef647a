// The portable Linux CPython as a runtime source: the entry runtime-sources.ts lists (a module without
// imports of the build, so the selection does not depend on the recipe: the build runs in choose.ts).

export const PORTABLE_LINUX_SOURCE = {
  kind: 'portable-linux',
  description: 'the portable CPython (glibc ≥ 2.17) built by flavor runtime build',
  supplies: (platform: string): boolean => platform === 'linux_amd64' || platform === 'linux_arm64',
} as const;

/** The oldest glibc the portable runtime runs on (zig's -target <arch>-linux-gnu.2.17). */
export const PORTABLE_GLIBC_FLOOR = '2.17';
