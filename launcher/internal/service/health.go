package service

import "bytes"

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
