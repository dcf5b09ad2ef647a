// Checks of a freshly built package before it is published under its output name (`flavor pack
// --validate-before-sign`, `--test-command`). The package is built under a staging name next to the
// output; only when every check passes is it renamed to the output, so a failure leaves nothing.
//
//   validateStaged   every check that does not run the app: the TS verifier; and, when the launcher
//                    runs on this machine, the embedded launcher's own `verify`, then every slot
//                    extracted by it into a throwaway workenv, where the command's program must exist
//                    and be executable.
//   testStaged       runs the package with the given arguments from a throwaway cache; a non-zero exit
//                    (or a hang past the timeout) fails the pack and shows the app's output. A service
//                    package (runtime.persistent) passes when its service starts and answers; it is then
//                    stopped, so no process outlives the throwaway cache.

import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlavorError } from '../errors.js';
import { verifyPackage } from '../reader/verify.js';

interface Ran {
  code: number;
  output: string;
  timedOut: boolean;
}

function runPackage(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}

/** Splits a command line into words: whitespace separates, '…' and "…" quote, \ escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word = (word ?? '') + line[++i];
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (quote) throw new FlavorError('USAGE', `--test-command has an unclosed ${quote} quote`);
  if (word !== undefined) words.push(word);
  return words;
}

const last = (text: string, n = 30) => text.trimEnd().split('\n').slice(-n).join('\n');

async function withThrowawayCache<T>(fn: (cache: string) => Promise<T>): Promise<T> {
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-pack-check-'));
  try {
    return await fn(cache);
  } finally {
    await fs.rm(cache, { recursive: true, force: true });
  }
}

function launcherEnv(cache: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cache, FLAVOR_CACHE: cache, LANG: 'C.UTF-8' };
}

/** The program of a command line after {workenv} substitution ("{workenv}/bin/python3" → a path). */
function programOf(command: string, workenv: string): string {
  const first = splitWords(command.replaceAll('{workenv}', workenv))[0] ?? '';
  return first;
}

export interface ValidateInput {
  staged: string;
  /** The launcher can run here (its platform is this machine's). */
  runnable: boolean;
  commands: string[];
  slotCount: number;
  log: (line: string) => void;
}

export async function validateStaged(input: ValidateInput): Promise<void> {
  await verifyPackage(input.staged);
  input.log('validate: the package verifies (structure, signature, every slot checksum)');
  if (!input.runnable) {
    input.log(
      'validate: the launcher is for another platform: its own checks and the extraction are skipped',
    );
    return;
  }
  await withThrowawayCache(async (cache) => {
    const env = { ...launcherEnv(cache), FLAVOR_LAUNCHER_CLI: '1' };
    const verify = await runPackage(input.staged, ['verify'], env, 120_000);
    if (verify.code !== 0) {
      throw new FlavorError(
        'PACKAGE_TEST_FAILED',
        `the embedded launcher refuses the package:\n${last(verify.output)}`,
        {
          hint: 'this is a bug in flavor or the launcher; please report it with this output',
        },
      );
    }
    const workenv = path.join(cache, 'validate-workenv');
    for (let slot = 0; slot < input.slotCount; slot++) {
      const r = await runPackage(input.staged, ['extract', String(slot), workenv], env, 300_000);
      if (r.code !== 0) {
        throw new FlavorError(
          'PACKAGE_TEST_FAILED',
          `the launcher cannot extract slot ${slot}:\n${last(r.output)}`,
        );
      }
    }
    for (const command of input.commands) {
      const program = programOf(command, workenv);
      const ok = await fs.access(program, fs.constants.X_OK).then(
        () => true,
        () => false,
      );
      if (!ok) {
        throw new FlavorError(
          'PACKAGE_TEST_FAILED',
          `the command's program is not an executable file in the extracted workenv: ${command}`,
          { hint: 'check execution.command and the slot targets of the manifest' },
        );
      }
    }
    input.log(
      `validate: the launcher verifies and extracts all ${input.slotCount} slots; every command's program is there`,
    );
  });
}

export async function testStaged(
  staged: string,
  commandLine: string,
  log: (line: string) => void,
  service = false,
): Promise<void> {
  const args = splitWords(commandLine);
  await withThrowawayCache(async (cache) => {
    log(`test: running the package ${args.join(' ')} from a throwaway cache`);
    const r = await runPackage(staged, args, launcherEnv(cache), 300_000);
    if (service) await stopService(staged, cache, log);
    if (r.code !== 0 || r.timedOut) {
      const why = r.timedOut ? 'did not finish within 300 s' : `exited with code ${r.code}`;
      throw new FlavorError(
        'PACKAGE_TEST_FAILED',
        `--test-command "${commandLine}": the packed app ${why}; the package was not written${r.output.trim() === '' ? ' (no output)' : `. Its output:\n${last(r.output)}`}`,
        { hint: 'fix the app (or the test command) and pack again' },
      );
    }
    log(`test: the packed app exited with 0`);
  });
}

/** Stops the service a test run started (docs/launcher.md "Service mode"); a failure is only logged. */
async function stopService(staged: string, cache: string, log: (line: string) => void): Promise<void> {
  const env = { ...launcherEnv(cache), FLAVOR_LAUNCHER_CLI: '1' };
  const r = await runPackage(staged, ['service', 'stop'], env, 60_000);
  log(`test: ${r.code === 0 ? r.output.trim() : `service stop failed: ${last(r.output)}`}`);
}
