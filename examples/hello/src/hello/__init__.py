"""FlavorPack example package: prints a greeting."""

__version__ = "1.0.0"
