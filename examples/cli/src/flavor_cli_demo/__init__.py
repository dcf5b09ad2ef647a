"""FlavorPack example: a CLI with pure-Python dependencies from PyPI."""

__version__ = "0.3.1"
