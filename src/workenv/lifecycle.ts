// What a slot's metadata "lifecycle" name means (docs/workenv.md, "Slot lifecycles"). The Go launcher
// decides the same table (launcher/internal/workenv/lifecycle.go); both are tested against
// testdata/vectors/lifecycle/lifecycles.json.

export type LifecycleKind = 'runtime' | 'init' | 'volatile' | 'temp' | 'cache' | 'persistent' | 'lazy';

/** Where a slot's files live: the workenv, a per-run folder, or the package name's persistent store. */
export type SlotPlace = 'workenv' | 'run' | 'store';

export interface Lifecycle {
  kind: LifecycleKind;
  /** Extracted into the workenv when it is installed. */
  atInstall: boolean;
  place: SlotPlace;
  /** `flavor workenv clean --cache-slots` may delete it (the next run re-extracts it). */
  trimmable: boolean;
}

const KINDS: Record<string, LifecycleKind> = {
  init: 'init',
  initialization: 'init',
  volatile: 'volatile',
  temp: 'temp',
  temporary: 'temp',
  cache: 'cache',
  cached: 'cache',
  persistent: 'persistent',
  lazy: 'lazy',
};

/**
 * Maps a lifecycle name, ASCII case-insensitively (Unicode folding would let "ınit" or a Kelvin sign mean
 * something here and not in the launcher), to its behaviour. Every other name (startup, eager, config, names
 * of other builders, "") behaves as runtime.
 */
export function lifecycleOf(name: string): Lifecycle {
  const lower = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const kind = Object.hasOwn(KINDS, lower) ? KINDS[lower]! : 'runtime';
  return {
    kind,
    atInstall: kind !== 'temp' && kind !== 'persistent' && kind !== 'lazy',
    place: kind === 'temp' ? 'run' : kind === 'persistent' ? 'store' : 'workenv',
    trimmable: kind === 'cache',
  };
}
