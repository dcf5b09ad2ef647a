"""Report how this app was packed: optimisation level, docstrings, sources, the build-time module."""

import os
import sys

from rich.console import Console
from rich.table import Table


def main():
    """Print one row per setting."""
    from . import _build_info

    table = Table(title="tuned-demo")
    table.add_column("setting")
    table.add_column("value")
    table.add_row("optimization level", str(sys.flags.optimize))
    table.add_row("docstrings", "kept" if main.__doc__ else "stripped")
    table.add_row("module file", os.path.basename(__file__))
    table.add_row("build info", _build_info.LABEL)
    workenv = os.environ.get("FLAVOR_WORKENV", "?")
    table.add_row("TUNED_MODE", os.environ.get("TUNED_MODE", "-"))
    table.add_row("TUNED_DATA", os.environ.get("TUNED_DATA", "-").replace(workenv, "<workenv>"))
    table.add_row("TUNED_CACHE", os.environ.get("TUNED_CACHE", "-").replace(workenv, "<workenv>"))
    table.add_row("SECRET_TOKEN", os.environ.get("SECRET_TOKEN", "(removed)"))
    Console(width=80).print(table)
    return 0
