"""slots-demo: reads the extra slots of its package.

* config (persistent): settings.ini in the package's persistent store (FLAVOR_SLOT_CONFIG), kept across
  updates of the package; every run counts itself in it.
* platform-linux / platform-darwin: {workenv}/platform, only the slot of this machine's OS is there.
* banner: {workenv}/banner.txt, a single-file slot printed first.
* data (lazy): requested only with --data, through flavor_runtime.ensure_slot("data").
"""

import argparse
import configparser
import os
import sys
from pathlib import Path

from slots_demo import __version__


def workenv():
    """The folder the package was extracted into (the launcher sets FLAVOR_WORKENV)."""
    return Path(os.environ.get("FLAVOR_WORKENV") or sys.prefix)


def slot_folder(slot_id):
    """Where the launcher put a slot: FLAVOR_SLOT_<ID> (docs/launcher.md), else {workenv}/<id>."""
    name = "FLAVOR_SLOT_" + "".join(c if c.isalnum() else "_" for c in slot_id.upper())
    return Path(os.environ.get(name) or workenv() / slot_id)


def count_run(settings):
    """Read the persistent config, count this run in it, and write it back."""
    config = configparser.ConfigParser()
    config.read(str(settings))
    if not config.has_section("greeting"):
        config.add_section("greeting")
    section = config["greeting"]
    runs = int(section.get("runs", "0")) + 1
    section["runs"] = str(runs)
    with open(str(settings), "w") as handle:
        config.write(handle)
    return section.get("word", "Hello"), runs


def platform_note():
    info = workenv() / "platform" / "info.txt"
    if info.is_file():
        return info.read_text().strip()
    return "none: no platform-specific slot for %s" % sys.platform


def data_folder():
    """The lazy data slot's folder and how it was found, or None and why not."""
    try:
        from flavor_runtime import ensure_slot
    except ImportError:
        folder = workenv() / "data"
        if folder.is_dir():
            how = "flavor_runtime is not importable, so the lazy slot was not requested; this launcher extracted it at install"
            return folder, how
        return None, "flavor_runtime is not importable, and the lazy data slot is not extracted: cannot read the data"
    return Path(ensure_slot("data")), "requested with flavor_runtime.ensure_slot(\"data\")"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Use the extra slots of this package.")
    parser.add_argument("--version", action="version", version="slots-demo " + __version__)
    parser.add_argument("--data", action="store_true", help="request the lazy data slot and list its words")
    args = parser.parse_args(argv)

    print((workenv() / "banner.txt").read_text().strip())
    settings = slot_folder("config") / "settings.ini"
    word, runs = count_run(settings)
    print("%s from slots-demo %s (run %d)" % (word, __version__, runs))
    print("config: %s" % settings)
    print("platform: %s" % platform_note())
    if args.data:
        folder, how = data_folder()
        if folder is None:
            print("data: unavailable (%s)" % how, file=sys.stderr)
            return 1
        words = (folder / "words.txt").read_text().split()
        print("data: %d words (%s) from %s" % (len(words), ", ".join(words), folder))
        print("data: %s" % how)
    return 0


if __name__ == "__main__":
    sys.exit(main())
