package cli

import (
	"encoding/json"
	"testing"

	"flavorpack.dev/launcher/internal/jsonlite"
)

// TestOutputRecordsMatchEncodingJSON: the --json outputs are what encoding/json wrote from the tags.
func TestOutputRecordsMatchEncodingJSON(t *testing.T) {
	yes, no := true, false
	records := []jsonlite.Object{
		slotState{Index: 1, ID: "rt", Lifecycle: "lazy", Path: "/w/x", State: "not extracted (lazy)"},
		verifyResult{Path: "a.psp", OK: true, Fingerprint: "ab", Pinned: []string{}},
		verifyResult{Path: "b", Code: "SIGNATURE", Message: "bad <sig> & more", Pinned: []string{"x"}},
		&statusReport{State: "stopped"},
		&statusReport{State: "running", Answering: &yes, PID: 3, Port: 80, StartedAt: "2026-01-02T03:04:05Z", Uptime: 9, Log: "/l"},
		&statusReport{State: "running", Answering: &no, PID: 3},
	}
	for _, r := range records {
		want, _ := json.Marshal(r)
		if got := jsonlite.Marshal(r); string(got) != string(want) {
			t.Errorf("%T:\n got %s\nwant %s", r, got, want)
		}
	}
}
