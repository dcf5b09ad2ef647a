package format

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestIndexFieldsMatchTypeScript compares IndexFields with INDEX_FIELDS in src/format/index-block.ts
// and checks that the fields tile the 8192-byte block.
func TestIndexFieldsMatchTypeScript(t *testing.T) {
	b, err := os.ReadFile("../../../src/format/index-block.ts")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "export const INDEX_FIELDS = {")
	end := strings.Index(text[start:], "} as const;")
	if start < 0 || end < 0 {
		t.Fatal("INDEX_FIELDS not found in src/format/index-block.ts")
	}
	ts := map[string]int{}
	for _, m := range regexp.MustCompile(`(\w+): (\d+),`).FindAllStringSubmatch(text[start:start+end], -1) {
		snake := regexp.MustCompile(`([a-z0-9])([A-Z])`).ReplaceAllString(m[1], "${1}_${2}")
		ts[strings.ToLower(snake)], _ = strconv.Atoi(m[2])
	}
	if len(ts) != len(IndexFields) {
		t.Errorf("TypeScript has %d fields, Go %d", len(ts), len(IndexFields))
	}
	next := 0
	for _, f := range IndexFields {
		if off, ok := ts[f.Name]; !ok || off != f.Offset {
			t.Errorf("%s: Go offset %d, TypeScript %d (present %v)", f.Name, f.Offset, off, ok)
		}
		if f.Offset != next {
			t.Errorf("%s starts at %d, the previous field ends at %d", f.Name, f.Offset, next)
		}
		next = f.Offset + f.Size
	}
	if next != IndexSize {
		t.Errorf("fields end at %d, not %d", next, IndexSize)
	}
}
