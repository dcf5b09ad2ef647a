// The build environment of [tool.flavor.build]: `venv_path`, `system_site_packages` and build-time
// requirements (requirement strings in `dependencies`, e.g. "cython>=3"). When any is set, the project's
// wheel (and its local dependencies' wheels) is built without build isolation, inside one venv made for
// the chosen interpreter that holds [build-system].requires plus those requirements. Without them the
// build backend runs isolated as before.
//
// venv_path (relative to pyproject.toml) keeps the venv between packs: it is created when missing and
// reused (delete it to change system_site_packages); otherwise the venv lives in the work folder.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runChecked } from './exec.js';
import type { InterpreterInfo } from './interpreters.js';
import type { ProjectConfig } from './manifest.js';
import type { FoundTool } from './tools.js';
import type { Logger } from './types.js';

export interface BuildVenvOptions {
  project: ProjectConfig;
  interpreter: InterpreterInfo;
  workDir: string;
  uv: FoundTool | undefined;
  env: NodeJS.ProcessEnv;
  log: Logger;
  onCommand?: (line: string) => void;
}

export function needsBuildVenv(project: ProjectConfig): boolean {
  const b = project.build;
  return b.buildRequirements.length > 0 || b.venvPath !== undefined || b.systemSitePackages;
}

/** The build venv's python, ready to build wheels with --no-build-isolation; undefined when not needed. */
export async function prepareBuildVenv(o: BuildVenvOptions): Promise<string | undefined> {
  if (!needsBuildVenv(o.project)) return undefined;
  const b = o.project.build;
  const dir = b.venvPath ?? join(o.workDir, 'build-venv');
  const python = join(dir, 'bin', 'python');
  const run = { env: o.env, ...(o.onCommand ? { onCommand: o.onCommand } : {}) };
  const site = b.systemSitePackages ? ['--system-site-packages'] : [];
  if (existsSync(python)) {
    o.log({ kind: 'info', message: `build venv: reusing ${dir}` });
  } else {
    o.log({
      kind: 'info',
      message: `build venv: creating ${dir}${b.systemSitePackages ? ' (with the system site-packages)' : ''}`,
    });
    if (o.uv) {
      await runChecked(o.uv.path, ['venv', '--python', o.interpreter.path, '--no-project', ...site, dir], {
        ...run,
        step: `creating the build venv ${dir}`,
      });
    } else {
      await runChecked(o.interpreter.path, ['-m', 'venv', ...site, dir], {
        ...run,
        step: `creating the build venv ${dir}`,
        hintFor: () =>
          'the interpreter cannot create a venv (Debian: apt-get install python3-venv), or install uv',
      });
    }
  }
  const requirements = [...b.buildSystemRequires, ...b.buildRequirements];
  if (requirements.length > 0) {
    o.log({ kind: 'info', message: `build venv: installing ${requirements.join(', ')}` });
    const install = o.uv
      ? [o.uv.path, ['pip', 'install', '--python', python, '--no-progress', ...requirements]]
      : [python, ['-m', 'pip', 'install', '--no-input', ...requirements]];
    await runChecked(install[0] as string, install[1] as string[], {
      ...run,
      step: 'installing the build requirements into the build venv',
    });
  }
  return python;
}
