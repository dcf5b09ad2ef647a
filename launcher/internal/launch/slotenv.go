package launch

import (
	"path/filepath"

	"flavorpack.dev/launcher/internal/format"
)

// SlotVar is the environment variable that tells the app where slot id is: FLAVOR_SLOT_ plus the id
// upper-cased with every byte outside [A-Z0-9] replaced by "_" ("models-v2" → FLAVOR_SLOT_MODELS_V2).
func SlotVar(id string) string {
	b := []byte(id)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return "FLAVOR_SLOT_" + string(b)
}

// setSlotVars sets FLAVOR_SLOT_<ID> for every slot (slots whose variable names collide: the later slot
// wins), FLAVOR_RUN_DIR for the per-run folder of temp slots and FLAVOR_PERSISTENT_DIR for the store.
func setSlotVars(m *EnvMap, meta *format.Metadata, ctx Context) {
	for i, s := range meta.Slots {
		if i < len(ctx.SlotPaths) && s.ID != "" {
			m.Set(SlotVar(s.ID), filepath.FromSlash(ctx.SlotPaths[i]))
		}
	}
	if ctx.RunDir != "" {
		m.Set("FLAVOR_RUN_DIR", ctx.RunDir)
	}
	if ctx.StoreDir != "" {
		m.Set("FLAVOR_PERSISTENT_DIR", ctx.StoreDir)
	}
}
