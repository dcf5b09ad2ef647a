import { FlavorError } from '../../errors.js';
import type { CommandDefinition } from '../command.js';
import { completionScript, SHELLS, type Shell } from '../completion.js';

export const completion: CommandDefinition = {
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
    // The registry imports this file: read it when the command runs, not when the module loads.
    const { COMMANDS } = await import('./index.js');
    ctx.out.print(completionScript(shell as Shell, COMMANDS).trimEnd());
    return 0;
  },
};
