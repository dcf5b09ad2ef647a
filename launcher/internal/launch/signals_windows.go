//go:build windows

package launch

import "os"

// Ctrl-C reaches every process of the console; the launcher only has to survive it.
var forwardedSignals = []os.Signal{os.Interrupt}

func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }
