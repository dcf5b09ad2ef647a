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
    table.add_row("TUNED_MODE", os.environ.get("TUNED_MODE", "-"))
    Console(width=80).print(table)
    return 0
