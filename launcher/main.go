// Command flavor-launcher is the native front of every FlavorPack package: it verifies the package
// it is part of, installs its workenv into the per-user cache, and runs the app (docs/launcher.md).
package main

import (
	"os"

	"flavorpack.dev/launcher/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=<v>".
var version = "dev"

func main() {
	os.Exit(cli.Main(version))
}
