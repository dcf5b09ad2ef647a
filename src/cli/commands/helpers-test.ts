// `flavor helpers test`: every launcher runs a tiny signed package where it can — the host's natively,
// another Linux CPU under qemu-user, Windows under wine — and the ones that cannot run here say why
// (docs/platforms.md). Each launcher's header (OS, CPU) is checked first.

import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPackage } from '../../builder/build.js';
import type { BuildSpec } from '../../builder/build-spec.js';
import { executableKind } from '../../builder/launcher-check.js';
import { hostPlatformName, type LauncherInfo, listLaunchers } from '../../builder/launchers.js';
import { generateSigningKey } from '../../crypto/keys.js';
import { FlavorError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { type CommandDefinition, type Context, flag, str } from '../command.js';
import { type LauncherRunner, runnerFor } from '../launcher-runners.js';

export type HelperStatus = 'ok' | 'failed' | 'not-run';

export interface HelperResult {
  name: string;
  platform: string;
  status: HelperStatus;
  /** How it ran ("natively", "under qemu-aarch64-static"), when it did. */
  how?: string;
  detail: string;
  command?: string[];
  exit_code?: number | null;
  stdout?: string;
  stderr?: string;
}

const EXPECTED_OUTPUT = 'helper-test-ok arg';

export const helpersTest: CommandDefinition = {
  name: 'helpers test',
  summary:
    'Run each launcher on a tiny signed package: natively, under qemu-user or wine where installed; say which could not run and why.',
  args: '',
  minArgs: 0,
  maxArgs: 0,
  options: {
    helper: {
      type: 'string',
      help: 'NAME  test only this launcher (file name like flavor-launcher-linux_arm64, or a platform)',
    },
    verbose: { type: 'boolean', short: 'v', help: 'show the commands that run and their output' },
    json: { type: 'boolean', help: 'print as JSON' },
  },
  details:
    'Exit 1 when a launcher fails (wrong header, or its test package does not print what it should).\nA launcher that cannot run here (macOS; qemu or wine not installed) is reported, not failed —\nunless --helper asked for exactly that one.',
  async run(ctx, _a, values) {
    const wanted = str(values, 'helper');
    const launchers = selectLaunchers(await listLaunchers(), wanted);
    const verbose = flag(values, 'verbose') && !flag(values, 'json');
    const results: HelperResult[] = [];
    for (const launcher of launchers) {
      const result = await testLauncher(launcher, ctx.env);
      if (verbose) printRun(ctx, result);
      results.push(result);
    }
    if (flag(values, 'json')) ctx.out.json({ results });
    else for (const r of results) ctx.out.print(`${LABEL[r.status]} ${r.name}: ${r.detail}`);
    const failed = results.some(
      (r) => r.status === 'failed' || (wanted !== undefined && r.status === 'not-run'),
    );
    return failed ? 1 : 0;
  },
};

const LABEL: Record<HelperStatus, string> = { ok: 'ok     ', failed: 'FAIL   ', 'not-run': 'not run' };

function selectLaunchers(all: LauncherInfo[], wanted: string | undefined): LauncherInfo[] {
  if (all.length === 0) {
    throw new FlavorError('LAUNCHER_NOT_FOUND', 'no launchers to test', {
      hint: 'run `flavor helpers build` (or `flavor helpers build --platform all`)',
    });
  }
  if (wanted === undefined) return all;
  const match = all.filter((l) => l.name === wanted || l.name === `${wanted}.exe` || l.platform === wanted);
  if (match.length === 0) {
    throw new FlavorError('NOT_FOUND', `no launcher "${wanted}"`, {
      hint: `see \`flavor helpers list\` (built: ${all.map((l) => l.name).join(', ')})`,
    });
  }
  return match;
}

/** Header check, then a run of the tiny package where this machine can run the launcher. */
async function testLauncher(launcher: LauncherInfo, env: NodeJS.ProcessEnv): Promise<HelperResult> {
  const base = { name: launcher.name, platform: launcher.platform };
  const header = await checkHeader(launcher);
  if (header) return { ...base, status: 'failed', detail: header };
  const [goos, goarch] = launcher.platform.split('_') as [string, string];
  const choice = await runnerFor(launcher.platform, hostPlatformName(), env);
  if (!choice.ok) {
    return {
      ...base,
      status: 'not-run',
      detail: `${goos} ${goarch} header valid; not run: ${choice.reason}`,
    };
  }
  return { ...base, ...(await runTinyPackage(launcher, choice.runner, env)) };
}

/** Why the file is not an executable for its platform, or undefined. */
async function checkHeader(launcher: LauncherInfo): Promise<string | undefined> {
  const handle = await fs.open(launcher.path, 'r');
  const head = Buffer.alloc(4096);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const kind = executableKind(head);
  if (!kind) return 'not an executable (ELF, Mach-O or PE)';
  const found = `${kind.os}_${kind.arch}`;
  return found === launcher.platform ? undefined : `header says ${found}, expected ${launcher.platform}`;
}

/** The tiny package: one slot with a script, a command that prints "helper-test-ok" and its argument. */
function tinySpec(platform: string, payload: string): BuildSpec {
  const windows = platform.startsWith('windows_');
  return {
    package: { name: 'helper-test', version: '1.0.0' },
    execution: {
      command: windows
        ? 'C:\\windows\\system32\\cmd.exe /d /c {workenv}/hello.bat'
        : '/bin/sh {workenv}/hello.sh',
      env: {},
      primarySlot: 0,
    },
    slots: [
      {
        id: 'script',
        source: payload,
        target: windows ? '{workenv}/hello.bat' : '{workenv}/hello.sh',
        operations: 'gzip',
        purpose: 'code',
        lifecycle: 'runtime',
      },
    ],
  };
}

async function runTinyPackage(
  launcher: LauncherInfo,
  runner: LauncherRunner,
  env: NodeJS.ProcessEnv,
): Promise<Omit<HelperResult, 'name' | 'platform'>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flavor-helper-test-'));
  try {
    const windows = launcher.platform.startsWith('windows_');
    const payload = path.join(dir, windows ? 'hello.bat' : 'hello.sh');
    await fs.writeFile(payload, windows ? '@echo helper-test-ok %1\r\n' : 'echo "helper-test-ok $1"\n');
    const pkg = path.join(dir, windows ? 'hello.exe' : 'hello.psp');
    await buildPackage(tinySpec(launcher.platform, payload), {
      output: pkg,
      launcherPath: launcher.path,
      key: generateSigningKey(),
      toolVersion: VERSION,
    });
    const command = [...runner.prefix, pkg, 'arg'];
    // A throwaway cache; under wine the same folder through drive Z:.
    const cacheDir = path.join(dir, 'cache');
    const cache = { FLAVOR_CACHE: windows ? `Z:${cacheDir.replaceAll('/', '\\')}` : cacheDir };
    const run = spawnSync(command[0] as string, command.slice(1), {
      env: { ...(runner.replaceEnv ? {} : env), ...runner.env, ...cache },
      encoding: 'utf8',
      timeout: 180_000,
    });
    const ok = run.status === 0 && run.stdout.trim() === EXPECTED_OUTPUT;
    const why = run.error
      ? run.error.message
      : `exit ${run.status ?? run.signal}${run.stderr.trim() ? `: ${lastLine(run.stderr)}` : ''}`;
    return {
      status: ok ? 'ok' : 'failed',
      how: runner.how,
      detail: ok ? `ran a test package ${runner.how}` : `test package failed ${runner.how} (${why})`,
      command,
      exit_code: run.status,
      stdout: run.stdout ?? '',
      stderr: run.stderr ?? '',
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The line that says what went wrong: the first error line, else the last line. */
function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.find((l) => /error/i.test(l))?.trim() ?? lines.pop() ?? '';
}

/** --verbose: the command line and what it printed. */
function printRun(ctx: Context, result: HelperResult): void {
  if (!result.command) return;
  ctx.out.info(`$ ${result.command.join(' ')}`);
  ctx.out.info(`  exit ${result.exit_code ?? 'none'}`);
  for (const [name, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    for (const line of (text ?? '')
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '')) {
      ctx.out.info(`  ${name}: ${line}`);
    }
  }
}
