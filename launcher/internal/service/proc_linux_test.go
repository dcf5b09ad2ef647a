package service

import "testing"

func TestParseStat(t *testing.T) {
	line := "1234 (a) b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100\n"
	start, state, err := parseStat([]byte(line))
	if err != nil || start != "987654" || state != "S" {
		t.Fatalf("parseStat: %q %q %v", start, state, err)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2", "1 (x) S 1 1 1 0 -1 1 1 0 0 0 1 2 0 0 20 0 1 0 notanumber 1"} {
		if _, _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) accepted", bad)
		}
	}
}
