// Build folders are made under a staging name `<prefix><name>-<pid>-<8 hex>` and published with one rename.
// A build that was killed leaves its staging folder behind; the next build removes the ones whose process
// is gone. Shared by the runtime cache (runtime.ts) and the portable-runtime builds (portable/build.ts).

import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Removes the staging folders in `parent` (names starting with `prefix`) whose build process is gone. */
export async function removeAbandonedStaging(parent: string, prefix: string): Promise<void> {
  if (!existsSync(parent)) return;
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      await rm(join(parent, name), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
