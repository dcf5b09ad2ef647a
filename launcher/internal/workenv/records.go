package workenv

import "flavorpack.dev/launcher/internal/jsonlite"

// The JSON forms of the cache-tooling records (`cache list|remove|trim --json`), field for field their
// json tags: records_test.go checks each against encoding/json.

func (e Entry) JSONObject() jsonlite.Obj {
	return jsonlite.Obj{{Key: "id", Value: e.ID}, {Key: "name", Value: e.Name}, {Key: "version", Value: e.Version},
		{Key: "complete", Value: e.Complete}, {Key: "in_use", Value: e.InUse}, {Key: "size_bytes", Value: e.SizeBytes},
		{Key: "last_used", Value: e.LastUsed}, {Key: "installed_at", Value: e.InstalledAt}, {Key: "unknown", Value: e.Unknown},
		{Key: "leftovers", Value: e.Leftovers}}
}

func (r RemoveResult) JSONObject() jsonlite.Obj {
	return withError(jsonlite.Obj{{Key: "id", Value: r.ID}, {Key: "status", Value: r.Status}, {Key: "bytes_freed", Value: r.BytesFreed}}, r.Error)
}

func (s StoreEntry) JSONObject() jsonlite.Obj {
	return jsonlite.Obj{{Key: "name", Value: s.Name}, {Key: "path", Value: s.Path}, {Key: "size_bytes", Value: s.SizeBytes},
		{Key: "in_use", Value: s.InUse}}
}

func (r StoreResult) JSONObject() jsonlite.Obj {
	return withError(jsonlite.Obj{{Key: "name", Value: r.Name}, {Key: "status", Value: r.Status}, {Key: "bytes_freed", Value: r.BytesFreed}}, r.Error)
}

func (r TrimResult) JSONObject() jsonlite.Obj {
	return withError(jsonlite.Obj{{Key: "id", Value: r.ID}, {Key: "status", Value: r.Status}, {Key: "slots", Value: r.Slots},
		{Key: "bytes_freed", Value: r.BytesFreed}}, r.Error)
}

// withError appends "error" unless it is empty (omitempty).
func withError(o jsonlite.Obj, err string) jsonlite.Obj {
	if err != "" {
		o = append(o, jsonlite.Field{Key: "error", Value: err})
	}
	return o
}
