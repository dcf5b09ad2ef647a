import { FlavorError } from '../../errors.js';
import type { CommandDefinition } from '../command.js';
import { completionScript, SHELLS, type Shell } from '../completion.js';

/**
 * `flavor completion SHELL`, for the commands `list()` returns. The registry (index.ts) passes itself
 * lazily, so this file does not import the registry that imports it.
 */
export function completionCommand(list: () => CommandDefinition[]): CommandDefinition {
  return {
    name: 'completion',
    summary: 'Print a shell completion script for bash, zsh or fish (commands and options of this version).',
    args: 'SHELL',
    minArgs: 1,
    maxArgs: 1,
    options: {},
    details: [
      'bash: flavor completion bash > ~/.local/share/bash-completion/completions/flavor',
      'zsh:  flavor completion zsh > "$fpath[1]/_flavor"   (or: source <(flavor completion zsh))',
      'fish: flavor completion fish > ~/.config/fish/completions/flavor.fish',
    ].join('\n'),
    async run(ctx, [shell]) {
      if (!(SHELLS as readonly string[]).includes(shell!)) {
        throw new FlavorError('USAGE', `unknown shell "${shell}": choose one of ${SHELLS.join(', ')}`, {
          hint: "see 'flavor completion --help'",
        });
      }
      ctx.out.print(completionScript(shell as Shell, list()).trimEnd());
      return 0;
    },
  };
}
