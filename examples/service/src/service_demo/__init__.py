"""service_demo: a standard-library HTTP server packaged as a FlavorPack service."""

__version__ = "1.0.0"
