// A private key file must be private. Like ssh ("UNPROTECTED PRIVATE KEY FILE"), a key file that group or
// others may access in any way (0644, 0640, 0604, …) is refused, and so is one in a folder everyone may
// write to without the sticky bit (0777: anyone could swap the key for their own). The escape hatch
// (`FLAVOR_ALLOW_UNPROTECTED_KEY=1`, read by the CLI) turns the refusal into a warning. Windows has no
// such mode bits: nothing is checked there.

import { FlavorError } from '../errors.js';

export interface KeyProtectionOptions {
  /** Use an unprotected key anyway: report through `warn` instead of refusing. */
  allowUnprotected?: boolean;
  warn?: (message: string) => void;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
const shellQuote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;

/** Why a key file with this mode is not private, or undefined when it is (only the owner has access). */
export function fileExposure(mode: number): string | undefined {
  if ((mode & 0o077) === 0) return undefined;
  const access = mode & 0o044 ? 'readable' : mode & 0o022 ? 'writable' : 'accessible';
  return `private key file is ${access} by ${mode & 0o070 && !(mode & 0o007) ? 'its group' : 'others'} (mode ${octal(mode)})`;
}

/** Why a folder with this mode cannot hold a private key, or undefined: everyone may write, no sticky bit. */
export function folderExposure(mode: number): string | undefined {
  if ((mode & 0o002) === 0 || (mode & 0o1000) !== 0) return undefined;
  return `the folder of the private key is writable by everyone (mode ${octal(mode)}): anyone can replace the key`;
}

/**
 * Refuses (or, when allowed, warns about) a key whose file mode or folder mode exposes it. `fileMode` is
 * undefined before the file exists (keygen checks only the folder it will write to).
 */
export function checkKeyProtection(
  key: { file: string; fileMode?: number; folder: string; folderMode: number },
  options: KeyProtectionOptions = {},
): void {
  if (process.platform === 'win32') return;
  const problems: Array<{ message: string; fix: string }> = [];
  const ownProblem = key.fileMode === undefined ? undefined : fileExposure(key.fileMode);
  if (ownProblem) problems.push({ message: ownProblem, fix: `chmod 600 ${shellQuote(key.file)}` });
  const folderProblem = folderExposure(key.folderMode);
  if (folderProblem) problems.push({ message: folderProblem, fix: `chmod o-w ${shellQuote(key.folder)}` });
  for (const problem of problems) {
    if (options.allowUnprotected) {
      options.warn?.(`${problem.message} (${key.file}); using it because FLAVOR_ALLOW_UNPROTECTED_KEY=1`);
      continue;
    }
    throw new FlavorError('KEY_UNPROTECTED', problem.message, {
      path: key.file,
      hint: `${problem.fix}, or move the key to a private folder (FLAVOR_ALLOW_UNPROTECTED_KEY=1 uses it anyway)`,
    });
  }
}
