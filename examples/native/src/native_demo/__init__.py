"""FlavorPack example: proves a native extension module from a wheel loads."""
