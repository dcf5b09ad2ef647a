"""Two console scripts: `flavor-cli-demo` (click) and `flavor-cli-table` (rich)."""

import sys

import click
from rich.console import Console
from rich.table import Table

from flavor_cli_demo import __version__


@click.command()
@click.option("--count", default=1, show_default=True, help="How many greetings.")
@click.option("--name", default="world", show_default=True, help="Who to greet.")
@click.version_option(__version__)
def cli(count, name):
    """Greet NAME COUNT times."""
    for _ in range(count):
        click.echo("Hello, %s!" % name)


def table():
    """Print a rich table of the running interpreter."""
    console = Console(force_terminal=False, width=80)
    t = Table(title="flavor-cli-table")
    t.add_column("key")
    t.add_column("value")
    t.add_row("python", sys.version.split()[0])
    t.add_row("prefix", sys.prefix)
    t.add_row("click", click.__version__ if hasattr(click, "__version__") else "?")
    console.print(t)
    return 0
