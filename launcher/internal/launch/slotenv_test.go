package launch

import (
	"path/filepath"
	"testing"

	"flavorpack.dev/launcher/internal/format"
)

func TestSlotVariables(t *testing.T) {
	for id, want := range map[string]string{"models": "FLAVOR_SLOT_MODELS", "models-v2": "FLAVOR_SLOT_MODELS_V2",
		"My.Conf": "FLAVOR_SLOT_MY_CONF", "é": "FLAVOR_SLOT___"} {
		if got := SlotVar(id); got != want {
			t.Errorf("SlotVar(%q) = %q, want %q", id, got, want)
		}
	}
	meta := &format.Metadata{Package: format.PackageInfo{Name: "p", Version: "1"},
		Slots: []format.SlotMeta{{ID: "app"}, {ID: "conf"}, {ID: "scratch"}}}
	ctx := Context{Placeholders: Placeholders{Workenv: "/c/w", SlotPaths: []string{"/c/w", "/c/persistent/p/conf", "/c/w/.flavor-run/r/s"}},
		RunDir: "/c/w/.flavor-run/r", StoreDir: "/c/persistent/p"}
	m, err := BuildEnv(nil, meta, ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := envOf(m)
	for k, v := range map[string]string{"FLAVOR_SLOT_APP": "/c/w", "FLAVOR_SLOT_CONF": "/c/persistent/p/conf",
		"FLAVOR_SLOT_SCRATCH": "/c/w/.flavor-run/r/s", "FLAVOR_RUN_DIR": "/c/w/.flavor-run/r", "FLAVOR_PERSISTENT_DIR": "/c/persistent/p"} {
		if got[k] != filepath.FromSlash(v) {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["FLAVOR_RUN_DIR"]; ok {
		plain, _ := BuildEnv(nil, meta, Context{Placeholders: Placeholders{Workenv: "/c/w", SlotPaths: []string{"/c/w", "/c/w/conf", "/c/w/s"}}})
		if _, set := envOf(plain)["FLAVOR_RUN_DIR"]; set {
			t.Error("FLAVOR_RUN_DIR set without temp slots")
		}
	}
}
