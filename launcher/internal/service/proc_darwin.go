package service

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// StartIdentity is the process start time (seconds.microseconds since the epoch, from the kernel's
// kinfo_proc): a pid reused later, in this boot or after a reboot, has another one. A zombie has none.
func StartIdentity(pid int) (string, error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return "", err
	}
	if k.Proc.P_pid != int32(pid) {
		return "", fmt.Errorf("process %d not found", pid)
	}
	if k.Proc.P_stat == 5 { // SZOMB
		return "", fmt.Errorf("process %d is a zombie", pid)
	}
	t := k.Proc.P_starttime
	return fmt.Sprintf("darwin:%d.%06d", t.Sec, t.Usec), nil
}
