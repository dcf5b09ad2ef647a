package launch

// toRaw turns JSON texts into the form format.Metadata keeps setup_commands in.
func toRaw(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}
