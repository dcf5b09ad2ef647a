package service

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// StartIdentity is "<boot id>:<start time>" of a process: the kernel's boot id
// (/proc/sys/kernel/random/boot_id) and the process start time in clock ticks after boot (field 22 of
// /proc/<pid>/stat). A pid reused later, in this boot or after a reboot, gets another identity.
// A zombie has none (it is dead). Without /proc: ErrNoIdentity.
func StartIdentity(pid int) (string, error) {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNoIdentity
	}
	if err != nil {
		return "", err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	start, state, err := parseStat(stat)
	if err != nil {
		return "", err
	}
	if state == "Z" || state == "X" {
		return "", fmt.Errorf("process %d is a zombie", pid)
	}
	return strings.TrimSpace(string(boot)) + ":" + start, nil
}

// parseStat returns the start time (field 22) and state (field 3) of a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may itself contain spaces and ")".
func parseStat(stat []byte) (start, state string, err error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return "", "", errors.New("malformed /proc stat")
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 20 {
		return "", "", errors.New("malformed /proc stat")
	}
	if _, err := strconv.ParseUint(fields[19], 10, 64); err != nil {
		return "", "", errors.New("malformed /proc stat")
	}
	return fields[19], fields[0], nil
}
