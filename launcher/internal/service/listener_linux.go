package service

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// listenerInSession reports whether the socket listening on TCP port belongs to a process of session
// sid (the service and everything it started); known is false when /proc cannot tell. It keeps a
// health check from taking another program on the same port for the service.
func listenerInSession(port, sid int) (owned, known bool) {
	inodes := listeningInodes(port)
	if inodes == nil {
		return false, false
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return false, false
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || sessionOf(pid) != sid {
			continue
		}
		if holdsSocket(pid, inodes) {
			return true, true
		}
	}
	return false, true
}

// listeningInodes returns the socket inodes in state LISTEN on port from /proc/net/tcp and tcp6; nil
// when neither can be read.
func listeningInodes(port int) map[string]bool {
	var found map[string]bool
	suffix := fmt.Sprintf(":%04X", port)
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		if found == nil {
			found = map[string]bool{}
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) > 9 && f[3] == "0A" && strings.HasSuffix(f[1], suffix) {
				found[f[9]] = true
			}
		}
	}
	return found
}

// sessionOf is field 6 (session id) of /proc/<pid>/stat, or -1.
func sessionOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 {
		return -1
	}
	sid, err := strconv.Atoi(f[3])
	if err != nil {
		return -1
	}
	return sid
}

func holdsSocket(pid int, inodes map[string]bool) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") && inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
			return true
		}
	}
	return false
}
