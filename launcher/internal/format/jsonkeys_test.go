package format

import (
	"encoding/json"
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
)

// The same cases as test/format/json-keys.test.ts.
func TestCheckJSONKeys(t *testing.T) {
	refused := []string{
		`{"a": 1, "a": 2}`,
		`{"command": "x", "Command": "y"}`,
		`{"execution": {"env": {"PATH": "a", "path": "b"}}}`,
		`{"slots": [{"id": "a"}, {"id": "b", "ID": "c"}]}`,
		`{"slots": 1, "\u017flots": 2}`,
		`{"k": 1, "\u212a": 2}`,
		`{"a\u0062": 1, "ab": 2}`,
		`{"x": "\ud800"}`,
		`{"\udc00": 1}`,
	}
	accepted := []string{
		`{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}`,
		`{"\u00c9": 1, "\u00e9": 2}`,
		`{"\u0130": 1, "i": 2, "\u0131": 3}`,
		`{"x": "\ud83d\ude00", "y": "{\"a\": 1, \"a\": 2}"}`,
	}
	for _, doc := range refused {
		if !json.Valid([]byte(doc)) {
			t.Fatalf("test case is not JSON: %s", doc)
		}
		if err := CheckJSONKeys([]byte(doc)); errs.CodeOf(err) != errs.MetadataJSON {
			t.Errorf("%s: got %v, want METADATA_JSON", doc, err)
		}
	}
	for _, doc := range accepted {
		if err := CheckJSONKeys([]byte(doc)); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
	err := CheckJSONKeys([]byte(`{"execution": {"command": "a", "Command": "b"}}`))
	if err == nil || !strings.Contains(err.Error(), `"command" and "Command" in execution, which differ only in case`) {
		t.Errorf("message: %v", err)
	}
	err = CheckJSONKeys([]byte(`{"slots": [{}, {"a": 1, "a": 2}]}`))
	if err == nil || !strings.Contains(err.Error(), `"a" twice in slots[1]`) {
		t.Errorf("message: %v", err)
	}
}

func TestJSONDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth)
	if err := CheckJSONKeys([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1)
	if err := CheckJSONKeys([]byte(deep)); errs.CodeOf(err) != errs.MetadataJSON {
		t.Fatalf("got %v", err)
	}
	// encoding/json has the same limit, so ParseMetadata refuses it before the key check as well.
	if _, err := ParseMetadata([]byte(deep)); errs.CodeOf(err) != errs.MetadataJSON {
		t.Fatalf("ParseMetadata: got %v", err)
	}
}

func TestKeyFold(t *testing.T) {
	for in, want := range map[string]string{"setup_Commands": "SETUP_COMMANDS", "\u017fource": "SOURCE", "\u212aey": "KEY", "\u00e9": "\u00e9"} {
		if got := KeyFold(in); got != want {
			t.Errorf("KeyFold(%q) = %q, want %q", in, got, want)
		}
	}
}
