package format

import (
	"math"
	"strconv"

	"flavorpack.dev/launcher/internal/jsonlite"
)

// The typed Metadata is built from the generic tree that validateSchema accepted, reading every key
// exactly as written. (encoding/json's Unmarshal would match "Command" to the field "command": the
// launcher would then act on keys that `flavor inspect`, which reads keys exactly, does not show.)

func decodeMetadata(doc object) *Metadata {
	m := &Metadata{
		Format:        getString(doc, "format"),
		FormatVersion: getString(doc, "format_version"),
		Package:       decodePackage(getObject(doc, "package")),
		Execution:     decodeExecution(getObject(doc, "execution")),
		Runtime:       decodeRuntime(getObject(doc, "runtime")),
		Workenv:       decodeWorkenv(getObject(doc, "workenv")),
		Launcher:      decodeLauncher(getObject(doc, "launcher")),
		Glibc:         getString(getObject(doc, "compatibility"), "glibc"),
	}
	for _, s := range getList(doc, "slots") {
		m.Slots = append(m.Slots, decodeSlot(s.(object)))
	}
	for _, c := range getList(doc, "setup_commands") {
		m.SetupCommands = append(m.SetupCommands, jsonlite.Marshal(c))
	}
	if b, ok := doc["build"]; ok {
		m.Build = jsonlite.Marshal(b)
	}
	return m
}

func decodePackage(o object) PackageInfo {
	return PackageInfo{Name: getString(o, "name"), Version: getString(o, "version"), Description: getString(o, "description")}
}

func decodeSlot(o object) SlotMeta {
	s := SlotMeta{
		Slot: int(getUint(o, "slot")), ID: getString(o, "id"), Source: getString(o, "source"), Target: getString(o, "target"),
		Size: getUint(o, "size"), Checksum: getString(o, "checksum"), Operations: getString(o, "operations"),
		Purpose: getString(o, "purpose"), Lifecycle: getString(o, "lifecycle"),
	}
	if _, ok := o["original_size"]; ok {
		v := getUint(o, "original_size")
		s.OrigSize = &v
	}
	if p, ok := o["permissions"].(string); ok {
		s.Permissions = &p
	}
	if e, ok := o["encryption"].(object); ok {
		s.Encryption = &SlotEncryption{Algorithm: getString(e, "algorithm"), KeySource: getString(e, "key_source")}
	}
	s.Platform, _ = o["platform"].(string)
	return s
}

func decodeExecution(o object) Execution {
	return Execution{
		PrimarySlot: int(getUint(o, "primary_slot")), Command: getString(o, "command"),
		Env: getStringMap(o, "env"), Environment: getStringMap(o, "environment"), Commands: getStringMap(o, "commands"),
	}
}

func decodeRuntime(o object) *Runtime {
	if o == nil {
		return nil
	}
	rt := &Runtime{Persistent: o["persistent"] == true, Port: int(getUint(o, "port"))}
	if env := getObject(o, "env"); env != nil {
		rt.Env = &RuntimeEnv{Unset: getStringList(env, "unset"), Pass: getStringList(env, "pass"),
			Set: getStringMap(env, "set"), Map: getStringMap(env, "map")}
	}
	return rt
}

func decodeWorkenv(o object) *WorkenvSpec {
	if o == nil {
		return nil
	}
	w := &WorkenvSpec{Env: getStringMap(o, "env")}
	for _, d := range getList(o, "directories") {
		do := d.(object)
		w.Directories = append(w.Directories, DirSpec{Path: getString(do, "path"), Mode: getString(do, "mode")})
	}
	return w
}

func decodeLauncher(o object) *LauncherInfo {
	if o == nil {
		return nil
	}
	return &LauncherInfo{Tool: getString(o, "tool"), Size: getUint(o, "size"), Checksum: getString(o, "checksum")}
}

// The getters return the zero value for a missing key; the schema has checked every type.

func getObject(o object, key string) object {
	v, _ := o[key].(object)
	return v
}

func getList(o object, key string) []any {
	v, _ := o[key].([]any)
	return v
}

func getString(o object, key string) string {
	v, _ := o[key].(string)
	return v
}

func getUint(o object, key string) uint64 {
	n, _ := o[key].(jsonlite.Number)
	v, _ := safeUint(n)
	return uint64(v)
}

func getStringMap(o object, key string) map[string]string {
	m, ok := o[key].(object)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

func getStringList(o object, key string) []string {
	var out []string
	for _, v := range getList(o, key) {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// safeUint reads a JSON number the way JavaScript does (a double) and accepts it when that value is a
// non-negative safe integer (≤ 2^53 − 1): "1", "1.0" and "1e2" are integers, "1.5" and "2e53" are not.
// src/format/metadata.ts applies Number.isSafeInteger to the parsed value, so both agree.
func safeUint(n jsonlite.Number) (int64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || f < 0 || f > 1<<53-1 {
		return 0, false
	}
	return int64(f), true
}
