// Every command, sorted by name. Adding a command = one file in this folder + one line here.
import type { CommandDefinition } from '../command.js';
import { clean } from './clean.js';
import { completionCommand } from './completion.js';
import { doctor } from './doctor.js';
import { extract, extractAll } from './extract.js';
import { helpersBuild, helpersClean, helpersInfo, helpersList } from './helpers.js';
import { helpersTest } from './helpers-test.js';
import { inspect } from './inspect.js';
import { keygen } from './keygen.js';
import { pack } from './pack.js';
import { run } from './run.js';
import { runtimeBuild } from './runtime.js';
import { verify } from './verify.js';
import { workenvClean, workenvInfo, workenvInspect, workenvList, workenvRemove } from './workenv.js';

const completion = completionCommand(() => COMMANDS);

export const COMMANDS: CommandDefinition[] = [
  clean,
  completion,
  doctor,
  extract,
  extractAll,
  helpersBuild,
  helpersClean,
  helpersInfo,
  helpersList,
  helpersTest,
  inspect,
  keygen,
  pack,
  run,
  runtimeBuild,
  verify,
  workenvClean,
  workenvInfo,
  workenvInspect,
  workenvList,
  workenvRemove,
];
