// Bridge from `flavor pack` to the Python pipeline (src/python/): pyproject.toml → BuildSpec.

import type { Context, ParsedValues } from './command.js';
import type { PackPlan } from './commands/pack.js';
import { FlavorError } from '../errors.js';

export async function planFromPyproject(_ctx: Context, manifestPath: string, _values: ParsedValues): Promise<PackPlan> {
  throw new FlavorError('PROJECT_INVALID', 'packing a Python project is not wired up yet', { path: manifestPath });
}
