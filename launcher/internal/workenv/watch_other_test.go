//go:build !linux

package workenv

import "testing"

// watchCreates needs inotify; elsewhere it records nothing (nil) and the caller skips that check.
func watchCreates(t *testing.T, dir string) func() []string { return func() []string { return nil } }
