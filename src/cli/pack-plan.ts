// What `flavor pack` builds from, whichever input it came from (a build manifest or a pyproject.toml).
// Its own file so that the planners (python-plan.ts) and the command (commands/pack.ts) both depend on
// it instead of on each other.

import type { BuildSpec } from '../builder/build-spec.js';

export interface PackPlan {
  spec: BuildSpec;
  /** Where the package goes without -o. */
  defaultOutput: string;
  /** Removes the planner's temporary folders; called once the package is written (or the pack failed). */
  cleanup?: () => Promise<void>;
}
