// Package logx is the launcher's stderr logger: warnings and errors by default, more with
// FLAVOR_LOG_LEVEL=info|debug|trace. It never writes to stdout.
package logx

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Levels, most severe first.
const (
	Error = iota
	Warn
	Info
	Debug
	Trace
)

// Logger writes "<prog>: <level>: <message>" lines.
type Logger struct {
	Prog  string
	Level int
	W     io.Writer
}

// New creates a logger for prog at the level named by FLAVOR_LOG_LEVEL (default warn).
func New(prog, level string) *Logger {
	return &Logger{Prog: prog, Level: ParseLevel(level), W: os.Stderr}
}

// ParseLevel maps a level name to its number; unknown names mean warn.
func ParseLevel(s string) int {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error", "off", "quiet":
		return Error
	case "info":
		return Info
	case "debug":
		return Debug
	case "trace":
		return Trace
	}
	return Warn
}

func (l *Logger) logf(level int, name, format string, args ...any) {
	if l == nil || level > l.Level {
		return
	}
	fmt.Fprintf(l.W, "%s: %s: %s\n", l.Prog, name, fmt.Sprintf(format, args...))
}

func (l *Logger) Errorf(format string, args ...any) { l.logf(Error, "error", format, args...) }
func (l *Logger) Warnf(format string, args ...any)  { l.logf(Warn, "warning", format, args...) }
func (l *Logger) Infof(format string, args ...any)  { l.logf(Info, "info", format, args...) }
func (l *Logger) Debugf(format string, args ...any) { l.logf(Debug, "debug", format, args...) }
func (l *Logger) Tracef(format string, args ...any) { l.logf(Trace, "trace", format, args...) }

// Enabled reports whether messages at level are written.
func (l *Logger) Enabled(level int) bool { return l != nil && level <= l.Level }
