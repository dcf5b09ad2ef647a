"""hello: a stdlib-only command line (argparse) that proves where it runs from."""

import argparse
import os
import sys

from hello import __version__


def main(argv=None):
    parser = argparse.ArgumentParser(description="Print a greeting and the Python that runs it.")
    parser.add_argument("name", nargs="?", default="world", help="who to greet (default: world)")
    parser.add_argument("--version", action="version", version="hello " + __version__)
    parser.add_argument("--where", action="store_true", help="also print sys.prefix and sys.executable")
    args = parser.parse_args(argv)
    print("Hello, %s!" % args.name)
    print("Python " + sys.version.split()[0] + " (" + sys.implementation.name + ")")
    if args.where:
        print("prefix: " + sys.prefix)
        print("executable: " + sys.executable)
        print("argv0: " + sys.argv[0])
        print("from: " + os.environ.get("HELLO_FROM", "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
