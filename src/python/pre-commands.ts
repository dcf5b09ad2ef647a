// [tool.flavor.build] pre_install_commands / pre_build_commands: shell commands the project needs before
// it can be built (code generation, a `make`), run with `sh -c` in the project folder with the build
// environment ([tool.flavor.build].env added). Their output is shown; the first failure stops the pack,
// naming the command and its exit code.

import { FlavorError } from '../errors.js';
import { run, tail } from './exec.js';
import type { Logger } from './types.js';

export interface PreCommandOptions {
  /** "pre_install_commands" or "pre_build_commands" (named in messages). */
  key: string;
  commands: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

export async function runPreCommands(options: PreCommandOptions): Promise<void> {
  for (const [index, command] of options.commands.entries()) {
    const name = `tool.flavor.build.${options.key}[${index}]`;
    options.log({ kind: 'info', message: `${name}: $ ${command}` });
    const result = await run('/bin/sh', ['-c', command], { cwd: options.cwd, env: options.env });
    const output = result.output.trimEnd();
    if (output !== '') options.log({ kind: 'info', message: output.replace(/^/gm, '  | ') });
    if (result.code !== 0) {
      throw new FlavorError(
        'TOOL_FAILED',
        `${name} \`${command}\` failed (exit code ${result.code})${output === '' ? '' : `:\n${tail(output, 20)}`}`,
        {
          path: options.cwd,
          hint: `run it yourself in ${options.cwd} to see why, or fix ${name} in pyproject.toml`,
          details: { command, exitCode: result.code },
        },
      );
    }
  }
}
