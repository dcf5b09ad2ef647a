package service

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"flavorpack.dev/launcher/internal/jsonlite"
)

// TestStateMatchesEncodingJSON: service.pid is written as encoding/json wrote it and read back whole.
func TestStateMatchesEncodingJSON(t *testing.T) {
	states := []*State{
		{PID: 42, Identity: "123 456", Port: 8080, StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Package: "app", Version: "1", Argv: []string{"/bin/app", "--x<y>"}},
		{PID: 7},
	}
	for _, st := range states {
		want, _ := json.MarshalIndent(st, "", "  ")
		got := jsonlite.MarshalIndent(st, "  ")
		if string(got) != string(want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
		back, err := parseState(got)
		if err != nil || !reflect.DeepEqual(back, st) {
			t.Fatalf("read back %+v, %v", back, err)
		}
	}
	for _, bad := range []string{`{"pid":"1"}`, `{"pid":1,"started_at":"yesterday"}`, `{"pid":1,"argv":"x"}`, `[1]`} {
		if _, err := parseState([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestParseUTC: the times WriteState writes read back as time.Parse(time.RFC3339) reads them; anything
// else is refused.
func TestParseUTC(t *testing.T) {
	for _, s := range []string{"2026-01-02T03:04:05Z", "0001-01-01T00:00:00Z", "2024-02-29T23:59:59Z", "2026-12-31T00:00:00.5Z", "2026-12-31T00:00:00.123456789Z"} {
		want, err := time.Parse(time.RFC3339, s)
		if got, ok := parseUTC(s); err != nil || !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: %v %v, time.Parse %v %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "2026-13-02T03:04:05Z", "2025-02-29T03:04:05Z",
		"2026-01-02T24:04:05Z", "2026-01-02T03:60:05Z", "2026-01-02T03:04:61Z", "2026-01-02T03:04:05+01:00", "2026-01-02T03:04:05.Z",
		"20x6-01-02T03:04:05Z", "2026-01-02T03:04:05.1234567890Z", "2026-01-02T03:04:05.1a3Z", "-026-01-02T03:04:05Z"} {
		if got, ok := parseUTC(s); ok {
			t.Errorf("%q accepted as %v", s, got)
		}
	}
}
