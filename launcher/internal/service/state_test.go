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
