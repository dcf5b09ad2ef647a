// `flavor` entry point: find the command, parse its options, run it, map errors to exit codes.

import { FlavorError } from '../errors.js';
import { VERSION } from '../version.js';
import { type CommandDefinition, groupHelpText, helpText, parseCommandArgs } from './command.js';
import { COMMANDS } from './commands/index.js';
import { Output, type OutputStreams } from './output.js';

function usage(): string {
  const groups = new Map<string, CommandDefinition[]>();
  for (const c of COMMANDS) {
    const group = c.name.includes(' ') ? c.name.split(' ')[0]! : '';
    groups.set(group, [...(groups.get(group) ?? []), c]);
  }
  const lines = [
    'usage: flavor <command> [options]',
    '',
    'Pack a Python application into one signed, self-extracting executable (PSPF/2025).',
    '',
    'commands:',
  ];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(20)} ${c.summary}`);
  lines.push(
    '',
    'global options:',
    '  -h, --help           show help (also: flavor <command> --help)',
    '  -V, --version        print the version',
  );
  lines.push(
    '      --debug          show error codes and stack traces',
    '',
    'docs: docs/cli.md · exit codes: docs/errors.md',
  );
  return lines.join('\n');
}

function findCommand(argv: string[]): { def: CommandDefinition; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const def = COMMANDS.find((c) => c.name === name);
    if (def) return { def, rest: argv.slice(words) };
  }
  return undefined;
}

export async function main(
  argv: string[],
  streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr, env: process.env },
  cwd = process.cwd(),
): Promise<number> {
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  const quiet = argv.includes('--quiet') || argv.includes('-q');
  const out = new Output(streams, { debug, json, quiet });
  const code = await runCommand(argv, out, streams.env, cwd);
  // A closed pipe is not a failure (the reader had enough); any other write failure is.
  await out.settle();
  const failure = out.outputFailure();
  return failure && code === 0 ? out.error(failure) : code;
}

async function runCommand(argv: string[], out: Output, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      out.print(usage());
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === '--version' || argv[0] === '-V') {
      out.print(`flavor ${VERSION}`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
      if (group.length > 0) {
        if (argv[1] === '--help' || argv[1] === '-h') {
          out.print(groupHelpText(argv[0]!, group));
          return 0;
        }
        throw new FlavorError(
          'USAGE',
          `usage: flavor ${argv[0]} <${group.map((c) => c.name.split(' ')[1]).join('|')}>`,
          {
            hint: `see 'flavor ${argv[0]} <subcommand> --help'`,
          },
        );
      }
      throw new FlavorError('USAGE', `unknown command "${argv[0]}"`, { hint: "see 'flavor --help'" });
    }
    const { args, values } = parseCommandArgs(found.def, found.rest);
    if (values.help) {
      out.print(helpText(found.def));
      return 0;
    }
    return await found.def.run({ out, env, cwd }, args, values);
  } catch (error) {
    return out.error(error);
  }
}
