// Running external tools (python, uv, pip, strip, patchelf, ldd) for the Python pipeline.
// Every failure becomes a FlavorError: a missing program is NOT_FOUND, a non-zero exit is TOOL_FAILED with
// the tool's last output lines and a hint.

import { spawn } from 'node:child_process';
import { FlavorError } from '../errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before the process is killed (default: none). */
  timeoutMs?: number;
  /** Called with the printable command line before it runs (verbose logging). */
  onCommand?: (line: string) => void;
  /** Human name of the step, used in error messages ("installing dependencies"). */
  step?: string;
  /** Extra hint computed from the output when the tool fails. */
  hintFor?: (output: string) => string | undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
}

/** Quote one argument for display (and for copy-paste into a POSIX shell). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Run a program and collect its output; never throws for a non-zero exit (see `runChecked`). */
export function run(program: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  options.onCommand?.([program, ...args].map(shellQuote).join(' '));
  return new Promise((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(notFound(program, error));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const all: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => {
      out.push(chunk);
      all.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err.push(chunk);
      all.push(chunk);
    });
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(error.code === 'ENOENT' || error.code === 'EACCES' ? notFound(program, error) : error);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        output: Buffer.concat(all).toString('utf8'),
      });
    });
  });
}

function notFound(program: string, cause: unknown): FlavorError {
  return new FlavorError('NOT_FOUND', `cannot run ${program}: program not found or not executable`, {
    path: program,
    cause,
  });
}

/** The last `count` non-empty lines of a tool's output. */
export function tail(text: string, count = 40): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n');
}

/** Run a program; a non-zero exit becomes TOOL_FAILED carrying the last 40 output lines. */
export async function runChecked(
  program: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(program, args, options);
  if (result.code !== 0) {
    const step = options.step ?? `running ${program}`;
    const last = tail(result.output);
    throw new FlavorError('TOOL_FAILED', `${step} failed (exit code ${result.code}):\n${last}`, {
      hint:
        options.hintFor?.(result.output) ??
        `run the command yourself to see the full output:\n  ${[program, ...args].map(shellQuote).join(' ')}`,
      details: { program, args, exitCode: result.code },
    });
  }
  return result;
}
