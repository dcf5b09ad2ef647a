package launch

import "encoding/json"

type json_raw = json.RawMessage

func toRaw(ss []string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}
