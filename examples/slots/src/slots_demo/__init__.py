"""slots-demo: a stdlib-only app that uses the extra slots declared in pyproject.toml."""

__version__ = "1.0.0"
