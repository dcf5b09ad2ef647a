package service

import (
	"bytes"
	"net"
	"strconv"
	"time"
)

// Answers reports whether something accepts TCP connections on 127.0.0.1:port.
func Answers(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// tail returns at most the last n lines of b (the log of one start, for error messages).
func tail(b []byte, n int) string {
	b = bytes.TrimRight(b, "\n")
	for i, lines := len(b)-1, 0; i >= 0; i-- {
		if b[i] == '\n' {
			if lines++; lines == n {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}
