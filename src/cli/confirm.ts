// Asking before deleting: a prompt on a terminal; elsewhere a refusal that asks for --yes.

import readline from 'node:readline/promises';
import { FlavorError } from '../errors.js';
import type { Context } from './command.js';

export async function confirm(ctx: Context, question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY || !ctx.out.isTTY) {
    throw new FlavorError('USAGE', `${question.replace(/\?$/, '')}: confirmation needed`, {
      hint: 'run again with --yes (or --dry-run to see what would go)',
    });
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
