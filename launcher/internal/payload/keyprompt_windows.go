package payload

// TerminalPrompt is nil on Windows: a "prompt" key source is not supported there (use env: or file:).
func TerminalPrompt() func(question string) (string, error) { return nil }
