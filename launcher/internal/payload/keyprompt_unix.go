//go:build !windows

package payload

import (
	"bufio"
	"errors"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// TerminalPrompt returns a prompt that asks on the controlling terminal (/dev/tty) with echo off, or
// nil when the process has no terminal.
func TerminalPrompt() func(question string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil
	}
	tty.Close()
	return promptTTY
}

func promptTTY(question string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", errors.New("there is no terminal to ask on")
	}
	defer tty.Close()
	fd := int(tty.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return "", errors.New("there is no terminal to ask on")
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
		return "", errors.New("cannot turn off echo on the terminal")
	}
	defer unix.IoctlSetTermios(fd, ioctlSetTermios, old)
	tty.WriteString(question)
	line, err := bufio.NewReader(tty).ReadString('\n')
	tty.WriteString("\n")
	if err != nil && line == "" {
		return "", errors.New("the prompt was cancelled")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
