"""Load YAML with PyYAML's libyaml-based C loader and say where the extension came from."""

import sys

import yaml


def main():
    if "--help" in sys.argv[1:]:
        print("usage: native-demo [--help]\n\nParses a YAML document with yaml.CLoader (libyaml).")
        return 0
    if not getattr(yaml, "__with_libyaml__", False):
        print("yaml.CLoader is NOT available (pure-Python fallback)", file=sys.stderr)
        return 1
    data = yaml.load("items: [1, 2, 3]\nname: flavor\n", Loader=yaml.CLoader)
    import yaml._yaml as ext

    print("CLoader OK: %r" % (data,))
    print("extension: " + ext.__file__)
    print("libyaml " + yaml._yaml.get_version_string())
    return 0
