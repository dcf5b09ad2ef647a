// A setup.py-only project (no pyproject.toml, no setup.cfg) describes itself only by running setup.py, so
// its wheel is built with its own backend (`uv build --wheel`, setuptools in an isolated environment) and
// the name, version, Requires-Python and console_scripts are read from the wheel's METADATA and
// entry_points.txt (unpacked with `uv pip install --target --no-deps`, no zip reading of our own).

import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseMetadataHeaders } from './dist-info.js';
import { runChecked } from './exec.js';
import { copyProjectSource, toolEnv } from './install.js';
import { type ProjectFields, parseIni } from './other-projects.js';
import { requireTool } from './tools.js';

export interface SetupPyOptions {
  workDir: string;
  env?: NodeJS.ProcessEnv | undefined;
}

/** Build the project's wheel once and read what [project] would have said from it. */
export async function readSetupPyFields(
  manifestPath: string,
  options: SetupPyOptions,
): Promise<ProjectFields> {
  const env = { ...toolEnv(options.env ?? process.env), GIT_OPTIONAL_LOCKS: '0' };
  const uv = requireTool('uv', 'reading a setup.py-only project (its wheel is built to read its metadata)', {
    env,
  });
  const base = join(options.workDir, 'setup-py-metadata');
  await rm(base, { recursive: true, force: true });
  await mkdir(base, { recursive: true });
  const source = await copyProjectSource(dirname(manifestPath), join(base, 'source'));
  const step = `building the wheel of ${dirname(manifestPath)} to read its name, version and scripts`;
  const hint = () =>
    'check that `python setup.py bdist_wheel` (or `uv build --wheel`) works in the project folder';
  await runChecked(uv.path, ['build', '--wheel', '--no-progress', '--out-dir', join(base, 'wheel'), source], {
    env,
    cwd: source,
    step,
    hintFor: hint,
  });
  const wheel = (await readdir(join(base, 'wheel'))).find((n) => n.endsWith('.whl'));
  const unpacked = join(base, 'unpacked');
  await runChecked(
    uv.path,
    [
      'pip',
      'install',
      '--no-progress',
      '--no-deps',
      '--target',
      unpacked,
      join(base, 'wheel', wheel ?? 'none.whl'),
    ],
    { env, step: 'unpacking the built wheel (uv pip install --target --no-deps)', hintFor: hint },
  );
  const distInfo = (await readdir(unpacked)).find((n) => n.endsWith('.dist-info'));
  return fieldsFromDistInfo(join(unpacked, distInfo ?? 'none.dist-info'));
}

/** Name, version, description, Requires-Python, Requires-Dist and console_scripts of an installed wheel. */
export async function fieldsFromDistInfo(distInfo: string): Promise<ProjectFields> {
  const fields = parseMetadataHeaders(await readFile(join(distInfo, 'METADATA'), 'utf8'));
  const get = (k: string) => fields.find(([name]) => name.toLowerCase() === k)?.[1];
  const entryPointsFile = join(distInfo, 'entry_points.txt');
  const entryPoints = existsSync(entryPointsFile)
    ? parseIni(await readFile(entryPointsFile, 'utf8'), false)
    : {};
  return {
    name: get('name') ?? '',
    version: get('version'),
    description: get('summary'),
    dependencies: fields.filter(([k]) => k.toLowerCase() === 'requires-dist').map(([, v]) => v),
    requiresPython: get('requires-python'),
    scripts: entryPoints.console_scripts ?? {},
    requiresPythonKey: 'setup.py python_requires',
    scriptsKey: 'setup.py console_scripts',
  };
}
