//go:build linux

// Command renameexchange is the attacker of test/adversarial/cache-race.test.ts (never shipped): run as
// another local user, it swaps pairs of paths with renameat2(RENAME_EXCHANGE) in a tight loop until
// STOP_FILE exists.
//
//	usage: renameexchange STOP_FILE A B [A B ...]
//
// It prints "ready" once started and, at the end, one JSON line: {"exchanged": N, "refused": N, "errors": {...}}.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

type report struct {
	Exchanged int            `json:"exchanged"`
	Refused   int            `json:"refused"`
	Errors    map[string]int `json:"errors"`
}

func main() {
	if len(os.Args) < 4 || len(os.Args)%2 != 0 {
		fmt.Fprintln(os.Stderr, "usage: renameexchange STOP_FILE A B [A B ...]")
		os.Exit(2)
	}
	stop, pairs := os.Args[1], os.Args[2:]
	r := report{Errors: map[string]int{}}
	fmt.Println("ready")
	for n := 1; ; n++ {
		if n%2000 == 0 {
			if _, err := os.Lstat(stop); err == nil {
				break
			}
		}
		for i := 0; i < len(pairs); i += 2 {
			err := unix.Renameat2(unix.AT_FDCWD, pairs[i], unix.AT_FDCWD, pairs[i+1], unix.RENAME_EXCHANGE)
			if err == nil {
				r.Exchanged++
				continue
			}
			r.Refused++
			r.Errors[unix.ErrnoName(err.(unix.Errno))]++
		}
	}
	json.NewEncoder(os.Stdout).Encode(r)
}
