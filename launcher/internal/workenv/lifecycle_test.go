package workenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The lifecycle table is shared with src/workenv/lifecycle.ts (test/workenv/lifecycle.test.ts).
func TestLifecycleVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "vectors", "lifecycle", "lifecycles.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			Name      string `json:"name"`
			Kind      string `json:"kind"`
			AtInstall bool   `json:"at_install"`
			Place     string `json:"place"`
			Trimmable bool   `json:"trimmable"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Cases) < 20 {
		t.Fatalf("%v %d cases", err, len(doc.Cases))
	}
	for _, c := range doc.Cases {
		l := LifecycleOf(c.Name)
		if string(l) != c.Kind || l.AtInstall() != c.AtInstall || l.Place() != c.Place || l.Trimmable() != c.Trimmable {
			t.Errorf("%q: got %s at_install=%v place=%s trimmable=%v, want %+v", c.Name, l, l.AtInstall(), l.Place(), l.Trimmable(), c)
		}
	}
}
