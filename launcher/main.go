// Command flavor-launcher is the native front of every FlavorPack package: it verifies the package
// it is part of, installs its workenv into the per-user cache, and runs the app (docs/launcher.md).
package main

import (
	"os"
	"strings"

	"flavorpack.dev/launcher/internal/cli"
)

// versionStamp is set at build time with -ldflags "-X main.versionStamp=flavor-launcher-version=<v>;".
// The prefix makes the version findable in the binary, so `flavor helpers list` can report the version
// of a launcher built for another platform without running it.
var versionStamp = "flavor-launcher-version=dev;"

func main() {
	os.Exit(cli.Main(strings.TrimSuffix(strings.TrimPrefix(versionStamp, "flavor-launcher-version="), ";")))
}
