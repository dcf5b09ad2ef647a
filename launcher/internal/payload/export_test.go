package payload

// SetWriterCount sets the number of writer goroutines for a benchmark; the returned func restores it.
func SetWriterCount(n int) func() {
	old := writerCount
	writerCount = n
	return func() { writerCount = old }
}
