// `flavor_runtime`: the tiny pure-Python helper shipped in the site-packages slot of every Python package,
// next to `_flavor_run` (docs/python.md "Asking for a slot at run time"). An app calls
// `flavor_runtime.ensure_slot("models")` and gets the slot's folder as a pathlib.Path:
//   fast path   the lazy slot's marker in {workenv}/.flavor-lazy/ (docs/workenv.md "Lazy slots") names it
//               and its path exists → no process is started;
//   otherwise   `FLAVOR_LAUNCHER_CLI=1 $FLAVOR_PACKAGE_PATH slot ensure ID`: the launcher verifies the
//               slot against its signed hash and extracts it once, whoever asks at the same time.
// The name is reserved: a dependency or the app shipping a top-level `flavor_runtime` is refused at pack.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FlavorError } from '../errors.js';

export const FLAVOR_RUNTIME_MODULE = 'flavor_runtime';

export const FLAVOR_RUNTIME_SOURCE = `"""FlavorPack runtime helper for packed apps.

    import flavor_runtime
    models = flavor_runtime.ensure_slot("models")   # pathlib.Path, extracted on first request

ensure_slot(slot) returns the absolute path of a slot of the running package (by id, or by index as a
string). A lazy slot is extracted on the first request, once, after the launcher checked it against the
package's signed hash; later requests return at once. Failures raise SlotError (a RuntimeError) with the
launcher's message, its error code (e.g. SLOT_CHECKSUM) and exit status.

Works only inside a FlavorPack package: the launcher sets FLAVOR_WORKENV and FLAVOR_PACKAGE_PATH.
"""

import json
import os
import pathlib
import subprocess

__all__ = ["SlotError", "ensure_slot", "package_path", "workenv"]

_LAZY_DIR = ".flavor-lazy"
_LAZY_MARKER = "flavor-lazy-slot/1"


class SlotError(RuntimeError):
    """A slot could not be provided. code: the launcher's error code or None; exit_status: its exit code."""

    def __init__(self, message, code=None, exit_status=None):
        RuntimeError.__init__(self, message)
        self.code = code
        self.exit_status = exit_status


def _required(name):
    value = os.environ.get(name, "")
    if not value:
        raise SlotError(
            "%s is not set: flavor_runtime works only in an app started by a FlavorPack launcher" % name
        )
    return value


def workenv():
    """The app's workenv folder (FLAVOR_WORKENV)."""
    return pathlib.Path(_required("FLAVOR_WORKENV"))


def package_path():
    """The package file the app was started from (FLAVOR_PACKAGE_PATH)."""
    return pathlib.Path(_required("FLAVOR_PACKAGE_PATH"))


def _ready(root, slot):
    """The path of an extracted lazy slot from its marker, or None."""
    folder = os.path.join(root, _LAZY_DIR)
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for name in names:
        if not name.endswith(".ready"):
            continue
        try:
            with open(os.path.join(folder, name), "rb") as f:
                marker = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(marker, dict) or marker.get("marker") != _LAZY_MARKER:
            continue
        if slot != (str(marker.get("index")) if slot.isdigit() else marker.get("id")):
            continue
        path = marker.get("path")
        if isinstance(path, str) and _inside(path, root) and os.path.lexists(path):
            return pathlib.Path(path)
    return None


def _inside(path, root):
    path, root = os.path.abspath(path), os.path.abspath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _launcher_error(stderr):
    """(message, code) from the launcher's "<prog>: error: <message> [<CODE>]" line."""
    for line in stderr.splitlines():
        head, sep, rest = line.partition(": error: ")
        if not sep:
            continue
        if rest.endswith("]") and " [" in rest:
            message, _, code = rest[:-1].rpartition(" [")
            return message, code
        return rest, None
    return stderr.strip() or "the launcher failed", None


def ensure_slot(slot, timeout=None):
    """Returns the absolute path of slot (id or index) as a pathlib.Path, extracting it first if needed."""
    slot = str(slot)
    root = str(workenv())
    ready = _ready(root, slot)
    if ready is not None:
        return ready
    env = dict(os.environ)
    env["FLAVOR_LAUNCHER_CLI"] = "1"
    try:
        proc = subprocess.run(
            [str(package_path()), "slot", "ensure", slot],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise SlotError("cannot run the package's launcher to get slot %r: %s" % (slot, e))
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        message, code = _launcher_error(stderr)
        raise SlotError("slot %r: %s" % (slot, message), code, proc.returncode)
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    path = lines[-1] if lines else ""
    if not path or not _inside(path, root):
        raise SlotError(
            "slot %r: the launcher returned %r, which is not in this app's workenv %s (was the package file "
            "replaced while the app runs?)" % (slot, path, root)
        )
    return pathlib.Path(path)
`;

/**
 * Refuses a top-level `flavor_runtime` module or package in the installed dependencies or the app: it would
 * shadow the helper, or be shadowed by it.
 */
export async function checkRuntimeNameFree(dirs: Record<string, string>): Promise<void> {
  for (const [what, dir] of Object.entries(dirs)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const clash = names.find((n) => n === FLAVOR_RUNTIME_MODULE || n.startsWith(`${FLAVOR_RUNTIME_MODULE}.`));
    if (clash !== undefined) {
      throw new FlavorError(
        'PROJECT_INVALID',
        `${what} ship a top-level ${clash}: the module name ${FLAVOR_RUNTIME_MODULE} is reserved for FlavorPack's runtime helper`,
        {
          path: join(dir, clash),
          hint: `rename that module or package (or drop the dependency that provides it); apps import FlavorPack's own ${FLAVOR_RUNTIME_MODULE} to ask for lazy slots`,
        },
      );
    }
  }
}
