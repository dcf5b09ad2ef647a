package workenv

import (
	"encoding/json"
	"testing"

	"flavorpack.dev/launcher/internal/jsonlite"
)

// TestRecordsMatchEncodingJSON: the launcher writes its records (markers, cache-tooling output) byte for
// byte as encoding/json would from their json tags, so what TS reads is unchanged, and reads back
// what it wrote.
func TestRecordsMatchEncodingJSON(t *testing.T) {
	name, ver := "app<&>", "1.0"
	records := []jsonlite.Object{
		&Marker{Marker: MarkerFormat, ID: "app-0123456789abcdef", MetadataSHA256: "ab", Package: MarkerPkg{"a", "1"},
			InstalledAt: "2026-01-02T03:04:05Z", LauncherVersion: "0.1", Entries: []string{"bin", "lib"},
			Slots: []MarkerSlot{{Index: 0, ID: "rt", Target: "{workenv}", Lifecycle: "cache", SHA256: "cd"}}},
		&Marker{},
		&LazyMarker{Marker: LazyMarkerFormat, Index: 3, ID: "models", SHA256: "ef", Path: "/x/y\u2028", ExtractedAt: "t"},
		Entry{ID: "x", Name: &name, Version: &ver, Complete: true, SizeBytes: 12, Leftovers: []string{}},
		Entry{ID: "y"},
		RemoveResult{ID: "x", Status: "error", Error: "busy"}, RemoveResult{ID: "x", Status: "removed", BytesFreed: 9},
		StoreEntry{Name: "n", Path: "/p", SizeBytes: 1, InUse: true},
		StoreResult{Name: "n", Status: "in_use"}, StoreResult{Name: "n", Status: "error", Error: "e"},
		TrimResult{ID: "x", Status: "trimmed", Slots: []string{"a"}, BytesFreed: 3}, TrimResult{ID: "x", Error: "e"},
	}
	for _, r := range records {
		want, _ := json.MarshalIndent(r, "", "  ")
		if got := jsonlite.MarshalIndent(r, "  "); string(got) != string(want) {
			t.Errorf("%T:\n got %s\nwant %s", r, got, want)
		}
	}
	m := records[0].(*Marker)
	back, err := parseMarker(jsonlite.MarshalIndent(m, "  "))
	if err != nil || string(jsonlite.Marshal(back)) != string(jsonlite.Marshal(m)) {
		t.Fatalf("marker read back as %+v, %v", back, err)
	}
	lm := records[2].(*LazyMarker)
	if back, err := parseLazyMarker(jsonlite.Marshal(lm)); err != nil || *back != *lm {
		t.Fatalf("lazy marker read back as %+v, %v", back, err)
	}
	if _, err := parseLazyMarker([]byte(`{"index":1.5}`)); err == nil {
		t.Error("lazy marker index 1.5 accepted")
	}
	for _, bad := range []string{`[]`, `{"slots":[1]}`, `{"slots":[{"index":"0"}]}`, `{"entries":"bin"}`, `{"package":[]}`, `{"id":`} {
		if _, err := parseMarker([]byte(bad)); err == nil {
			t.Errorf("marker %s accepted", bad)
		}
	}
}
