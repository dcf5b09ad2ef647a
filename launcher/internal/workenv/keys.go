package workenv

import (
	"io"
	"os"
	"path/filepath"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
	"flavorpack.dev/launcher/internal/payload"
	"flavorpack.dev/launcher/internal/verify"
)

// SlotKeys holds the checked keys of a package's encrypted slots, by slot index.
type SlotKeys map[int][]byte

// keyEnv is where the launcher looks for slot keys: its environment, key files relative to the
// package's folder, and the controlling terminal.
func keyEnv() payload.KeyEnv {
	dir := "."
	if exe, err := os.Executable(); err == nil {
		dir = filepath.Dir(exe)
	}
	return payload.KeyEnv{Getenv: os.Getenv, BaseDir: dir, Prompt: payload.TerminalPrompt()}
}

// UnlockSlots reads the key of every encrypted slot among indices (one read or prompt per distinct
// source) and checks it against the slot's key check value, before anything is extracted: a missing,
// invalid or wrong key (SLOT_KEY_MISSING, SLOT_KEY_INVALID, SLOT_KEY_WRONG) writes nothing.
func UnlockSlots(pkg *verify.Package, indices []int) (SlotKeys, error) {
	keys := SlotKeys{}
	bySource := map[string][]byte{}
	var env *payload.KeyEnv
	for _, i := range indices {
		meta := pkg.Meta.Slots[i]
		if meta.Encryption == nil {
			continue
		}
		key, ok := bySource[meta.Encryption.KeySource]
		if !ok {
			src, valid := format.ParseKeySource(meta.Encryption.KeySource)
			if !valid { // the schema refuses it; kept for safety
				return nil, errs.New(errs.MetadataSchema, "slot %d has an invalid key source", i)
			}
			if env == nil {
				e := keyEnv()
				env = &e
			}
			var err error
			if key, err = payload.ResolveKey(src, *env); err != nil {
				return nil, err
			}
			bySource[meta.Encryption.KeySource] = key
		}
		header := make([]byte, payload.EncryptedHeaderBytes)
		n, _ := io.ReadFull(pkg.OpenSlot(i), header)
		if err := payload.CheckKey(header[:n], key, meta.ID); err != nil {
			return nil, err
		}
		keys[i] = key
	}
	return keys, nil
}

// installedSlots lists the slots the install extracts: not lazy, temp or persistent ones (placed later, each
// unlocking its own key) and not those for another platform.
func (in *Installer) installedSlots() []int {
	var out []int
	for i := range in.Pkg.Slots {
		if LifecycleOf(in.Pkg.Meta.Slots[i].Lifecycle).AtInstall() && !in.skipsSlot(i) {
			out = append(out, i)
		}
	}
	return out
}
