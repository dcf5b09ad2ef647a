package format

import (
	"fmt"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/jsonlite"
)

// validateSchema checks the generic JSON value against the metadata schema (docs/format.md), naming
// the offending field. It mirrors src/format/metadata.ts.
func validateSchema(doc any) error {
	v := &validator{}
	v.root(doc)
	return v.err
}

type validator struct{ err error }

type object = map[string]any

func (v *validator) fail(path, expected string, got any) {
	if v.err != nil {
		return
	}
	desc := "it is missing"
	if got != nil || path == "" {
		desc = "got " + describe(got)
	}
	v.err = errs.New(errs.MetadataSchema, "metadata field %s: expected %s, %s", path, expected, desc)
}

func describe(x any) string {
	switch t := x.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case object:
		return "an object"
	case string:
		if len(t) > 60 {
			t = t[:60] + "…"
		}
		return fmt.Sprintf("%q", t)
	}
	return fmt.Sprint(x)
}

func (v *validator) obj(parent object, key, path string) object {
	o, ok := parent[key].(object)
	if !ok {
		v.fail(path+key, "an object", parent[key])
	}
	return o
}

func (v *validator) optObj(parent object, key, path string) object {
	if _, present := parent[key]; !present {
		return nil
	}
	return v.obj(parent, key, path)
}

func (v *validator) str(parent object, key, path string, nonEmpty bool) string {
	s, ok := parent[key].(string)
	if !ok || (nonEmpty && s == "") {
		exp := "a string"
		if nonEmpty {
			exp = "a non-empty string"
		}
		v.fail(path+key, exp, parent[key])
	}
	return s
}

func (v *validator) uint(parent object, key, path string) int64 {
	n, ok := parent[key].(jsonlite.Number)
	i, safe := safeUint(n)
	if !ok || !safe {
		v.fail(path+key, "a non-negative integer", parent[key])
		return -1
	}
	return i
}

func (v *validator) optStringMap(parent object, key, path string) {
	x, present := parent[key]
	if !present {
		return
	}
	m, ok := x.(object)
	if !ok {
		v.fail(path+key, "an object of strings", x)
		return
	}
	for k, val := range m {
		if _, ok := val.(string); !ok {
			v.fail(path+key+"."+k, "a string", val)
		}
	}
}

func (v *validator) optStringList(parent object, key, path string) {
	x, present := parent[key]
	if !present {
		return
	}
	l, ok := x.([]any)
	if !ok {
		v.fail(path+key, "an array of strings", x)
		return
	}
	for i, val := range l {
		if _, ok := val.(string); !ok {
			v.fail(fmt.Sprintf("%s%s[%d]", path, key, i), "a string", val)
		}
	}
}

func (v *validator) root(doc any) {
	m, ok := doc.(object)
	if !ok {
		v.fail("(root)", "an object", doc)
		return
	}
	if f := v.str(m, "format", "", true); v.err == nil && f != FormatName {
		v.fail("format", `"`+FormatName+`"`, f)
	}
	if _, ok := m["format_version"]; ok {
		v.str(m, "format_version", "", false)
	}
	if pkg := v.obj(m, "package", ""); pkg != nil {
		v.str(pkg, "name", "package.", true)
		v.str(pkg, "version", "package.", true)
		if _, ok := pkg["description"]; ok {
			v.str(pkg, "description", "package.", false)
		}
	}
	slots, ok := m["slots"].([]any)
	if !ok {
		v.fail("slots", "an array", m["slots"])
	}
	for i, s := range slots {
		v.slot(s, i)
	}
	if ex := v.obj(m, "execution", ""); ex != nil {
		if _, ok := ex["primary_slot"]; ok { // omitted by upstream's 0.5.4 builders: slot 0
			v.uint(ex, "primary_slot", "execution.")
		}
		v.str(ex, "command", "execution.", true)
		v.optStringMap(ex, "env", "execution.")
		v.optStringMap(ex, "environment", "execution.")
		v.optStringMap(ex, "commands", "execution.")
	}
	if l := v.optObj(m, "launcher", ""); l != nil {
		v.launcher(l)
	}
	if c := v.optObj(m, "cache_validation", ""); c != nil {
		v.str(c, "check_file", "cache_validation.", true)
	}
	if sc, ok := m["setup_commands"]; ok {
		if _, isList := sc.([]any); !isList {
			v.fail("setup_commands", "an array", sc)
		}
	}
	if rt := v.optObj(m, "runtime", ""); rt != nil {
		if env := v.optObj(rt, "env", "runtime."); env != nil {
			v.optStringList(env, "unset", "runtime.env.")
			v.optStringList(env, "pass", "runtime.env.")
			v.optStringMap(env, "set", "runtime.env.")
			v.optStringMap(env, "map", "runtime.env.")
		}
		v.service(rt)
	}
	if we := v.optObj(m, "workenv", ""); we != nil {
		v.workenv(we)
	}
	for _, k := range []string{"verification", "build", "sbom"} {
		v.optObj(m, k, "")
	}
	if c := v.optObj(m, "compatibility", ""); c != nil {
		v.compatibility(c)
	}
	// The DSSE envelope of the build provenance (docs/supply-chain.md): an object; the launcher does
	// not read it (flavor verify --provenance checks it), but refuses what the TS reader refuses.
	v.optObj(m, "provenance", "")
}

// launcher checks the fields the launcher reads: tool and size (informational) and checksum, which
// must be "sha256:" and 64 lower-case hex digits (upstream's doubled "sha256:sha256:" is accepted).
func (v *validator) launcher(l object) {
	if _, ok := l["tool"]; ok {
		v.str(l, "tool", "launcher.", false)
	}
	if _, ok := l["size"]; ok {
		v.uint(l, "size", "launcher.")
	}
	if _, ok := l["checksum"]; ok {
		if sum := v.str(l, "checksum", "launcher.", true); v.err == nil {
			if _, ok := ChecksumHex(sum); !ok {
				v.fail("launcher.checksum", `"sha256:" and 64 lowercase hex digits`, sum)
			}
		}
	}
}

// service checks runtime.persistent (a boolean) and runtime.port (1..65535, only with persistent
// true): the service mode of docs/launcher.md.
func (v *validator) service(rt object) {
	persistent, hasPersistent := rt["persistent"]
	if _, isBool := persistent.(bool); hasPersistent && !isBool {
		v.fail("runtime.persistent", "true or false", persistent)
	}
	port, hasPort := rt["port"]
	if !hasPort {
		return
	}
	if n, ok := port.(jsonlite.Number); !ok || !validPort(n) {
		v.fail("runtime.port", "a TCP port number from 1 to 65535", port)
	}
	if persistent != true {
		v.fail("runtime.port", "no port unless persistent is true", port)
	}
}

func validPort(n jsonlite.Number) bool {
	i, safe := safeUint(n)
	return safe && i >= 1 && i <= 65535
}

func (v *validator) workenv(we object) {
	v.optStringMap(we, "env", "workenv.")
	x, present := we["directories"]
	if !present {
		return
	}
	dirs, ok := x.([]any)
	if !ok {
		v.fail("workenv.directories", "an array", x)
		return
	}
	for i, d := range dirs {
		p := fmt.Sprintf("workenv.directories[%d]", i)
		o, ok := d.(object)
		if !ok {
			v.fail(p, "an object", d)
			continue
		}
		v.str(o, "path", p+".", true)
		if _, ok := o["mode"]; ok {
			v.str(o, "mode", p+".", true)
		}
	}
}

func (v *validator) slot(x any, i int) {
	p := fmt.Sprintf("slots[%d].", i)
	s, ok := x.(object)
	if !ok {
		v.fail(p[:len(p)-1], "an object", x)
		return
	}
	if idx := v.uint(s, "slot", p); v.err == nil && idx != int64(i) {
		v.fail(p+"slot", fmt.Sprintf("%d (its position)", i), s["slot"])
	}
	v.str(s, "id", p, true)
	v.str(s, "target", p, false)
	v.uint(s, "size", p)
	if _, ok := s["original_size"]; ok {
		v.uint(s, "original_size", p)
	}
	sum := v.str(s, "checksum", p, true)
	if h, ok := ChecksumHex(sum); v.err == nil && (!ok || "sha256:"+h != sum) {
		v.fail(p+"checksum", `"sha256:" and 64 lowercase hex digits`, sum)
	}
	ops := v.str(s, "operations", p, false)
	var chain Chain
	if v.err == nil {
		var err error
		if chain, err = ParseChain(ops); err != nil {
			v.err = err
		}
	}
	v.str(s, "purpose", p, false)
	v.str(s, "lifecycle", p, false)
	if perm, present := s["permissions"]; present && perm != nil {
		ps, ok := perm.(string)
		if _, valid := ParsePermissions(ps); !ok || !valid {
			v.fail(p+"permissions", `an octal mode string like "0755" or null`, perm)
		}
	}
	if _, ok := s["source"]; ok {
		v.str(s, "source", p, false)
	}
	if plat, present := s["platform"]; present && plat != nil {
		if ps, ok := plat.(string); !ok || !ValidPlatform(ps) {
			v.fail(p+"platform", `"linux", "darwin", "windows" or "<os>_<arch>" like "linux_amd64", or null`, plat)
		}
	}
	v.encryption(s, chain, p)
}

// encryption: present exactly when the chain ends with aes256-gcm (as src/format/metadata.ts).
func (v *validator) encryption(s object, chain Chain, p string) {
	if v.err != nil {
		return
	}
	if problem := encryptionChainProblem(chain); problem != "" {
		v.fail(p+"operations", "a chain where "+problem, s["operations"])
		return
	}
	e := v.optObj(s, "encryption", p)
	if e == nil {
		if v.err == nil && chain.Encrypted() {
			v.fail(p+"encryption", "an object (the chain is encrypted)", nil)
		}
		return
	}
	if !chain.Encrypted() {
		v.fail(p+"operations", "a chain ending with aes256-gcm (the slot has encryption)", s["operations"])
	}
	alg := v.str(e, "algorithm", p+"encryption.", true)
	if v.err == nil && alg != EncryptionAlgorithm {
		v.fail(p+"encryption.algorithm", `"`+EncryptionAlgorithm+`"`, alg)
	}
	src := v.str(e, "key_source", p+"encryption.", true)
	if _, ok := ParseKeySource(src); v.err == nil && !ok {
		v.fail(p+"encryption.key_source", `"env:NAME", "file:PATH" or "prompt"`, src)
	}
}
