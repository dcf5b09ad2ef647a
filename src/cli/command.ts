// The shape every command has, and the argument parser built on node:util parseArgs.

import { parseArgs } from 'node:util';
import { FlavorError } from '../errors.js';
import type { Output } from './output.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in --help; the value name is the text before the first space, e.g. "PATH  the manifest". */
  help: string;
}

export interface Context {
  out: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandDefinition {
  /** Words after `flavor`, e.g. "verify" or "helpers build". */
  name: string;
  summary: string;
  /** Positional arguments in usage notation, e.g. "PKG SLOT OUTPUT". */
  args: string;
  minArgs: number;
  /** Maximum positionals; Infinity for "ARGS…". */
  maxArgs: number;
  options: Record<string, OptionSpec>;
  /** Extra paragraphs for --help. */
  details?: string;
  /** Stop option parsing at the first positional (for commands that pass argv on, like `run`). */
  passThrough?: boolean;
  run(ctx: Context, args: string[], values: ParsedValues): Promise<number>;
}

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  debug: { type: 'boolean', help: 'show error codes and stack traces' },
};

export function parseCommandArgs(
  def: CommandDefinition,
  argv: string[],
): { args: string[]; values: ParsedValues } {
  const options = { ...COMMON_OPTIONS, ...def.options };
  let head = argv;
  let rest: string[] = [];
  if (def.passThrough) {
    const at = argv.findIndex((a, i) => !a.startsWith('-') && !(i > 0 && takesValue(options, argv[i - 1]!)));
    if (at >= 0) {
      head = argv.slice(0, at + 1);
      rest = argv.slice(at + 1);
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: head,
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [
          k,
          { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (cause) {
    throw new FlavorError('USAGE', (cause as Error).message.replace(/\.$/, '').toLowerCase(), {
      hint: `see 'flavor ${def.name} --help'`,
    });
  }
  const args = [...parsed.positionals, ...rest];
  if (!parsed.values.help && (args.length < def.minArgs || args.length > def.maxArgs)) {
    throw new FlavorError('USAGE', `usage: flavor ${def.name} ${def.args}`.trim(), {
      hint: `see 'flavor ${def.name} --help'`,
    });
  }
  return { args, values: parsed.values as ParsedValues };
}

function takesValue(options: Record<string, OptionSpec>, arg: string): boolean {
  const name = arg.replace(/^--?/, '');
  const spec = options[name] ?? Object.values(options).find((o) => o.short === name);
  return spec?.type === 'string' && !arg.includes('=');
}

export function helpText(def: CommandDefinition): string {
  const options = { ...def.options, ...COMMON_OPTIONS };
  const lines = [
    `usage: flavor ${def.name} ${def.args}${Object.keys(options).length ? ' [options]' : ''}`,
    '',
    def.summary,
  ];
  if (def.details) lines.push('', def.details);
  lines.push('', 'options:');
  for (const [name, o] of Object.entries(options)) {
    const [value, ...words] = o.type === 'string' ? o.help.split('  ') : ['', o.help];
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${value}` : ''}`;
    lines.push(`  ${flag.padEnd(30)} ${(o.type === 'string' ? words.join('  ') : o.help).trim()}`);
  }
  return lines.join('\n');
}

/** `flavor helpers --help`: the group's subcommands with their summaries. */
export function groupHelpText(group: string, commands: CommandDefinition[]): string {
  const subs = commands.map((c) => [c.name.slice(group.length + 1), c.summary] as const);
  const width = Math.max(...subs.map(([name]) => name.length)) + 2;
  return [
    `usage: flavor ${group} <subcommand> [options]`,
    '',
    'subcommands:',
    ...subs.map(([name, summary]) => `  ${name.padEnd(width)} ${summary}`),
    '',
    `see 'flavor ${group} <subcommand> --help' for the options of each`,
  ].join('\n');
}

export function str(values: ParsedValues, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function strs(values: ParsedValues, key: string): string[] {
  const v = values[key];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

export function flag(values: ParsedValues, key: string): boolean {
  return values[key] === true;
}
