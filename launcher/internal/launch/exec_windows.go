//go:build windows

package launch

import "os"

// Exec on Windows spawns the program and exits with its code (there is no execve). The lock stays
// held by this process until the child ends.
func Exec(p *Plan, keep *os.File) error {
	code, err := Spawn(p)
	if err != nil {
		return err
	}
	os.Exit(code)
	return nil
}

// SpawnDefault reports whether this platform always spawns (Windows) instead of exec.
const SpawnDefault = true
