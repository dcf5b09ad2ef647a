package launch

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/format"
)

// POSIX rules (Linux, macOS launchers); TestSplitWindows has the Windows ones.
func TestSplit(t *testing.T) {
	cases := map[string][]string{
		`a b  c`:                  {"a", "b", "c"},
		`'a b' "c d"`:             {"a b", "c d"},
		`"a\"b" 'x\y'`:            {`a"b`, `x\y`},
		`"\\ \$ \` + "`" + ` \n"`: {`\ $ ` + "` \\n"},
		`a\ b \'q`:                {"a b", "'q"},
		`"" ''`:                   {"", ""},
		`pre"mid"'end'`:           {"premidend"},
		`héllo "wörld ☃" \☃`:      {"héllo", "wörld ☃", "☃"},
		"  \t\n":                  nil,
	}
	for in, want := range cases {
		got, err := SplitFor(in, false)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`"open`, `'open`, `trail\`} {
		if _, err := SplitFor(in, false); err == nil {
			t.Fatalf("%q accepted", in)
		}
	}
}

// Windows rules: a backslash is a path separator, never an escape (C:\windows\system32\cmd.exe in a
// manifest used to lose its backslashes and fail with NOT_FOUND); quotes group literally.
func TestSplitWindows(t *testing.T) {
	cases := map[string][]string{
		`C:\windows\system32\cmd.exe /c exit 3`: {`C:\windows\system32\cmd.exe`, "/c", "exit", "3"},
		`"C:\Program Files\x\app.exe" a\b`:    {`C:\Program Files\x\app.exe`, `a\b`},
		`"\\server\share\x" 'say "hi"' "it's"`: {`\\server\share\x`, `say "hi"`, "it's"},
		`trail\ "a\" b`:                         {`trail\`, `a\`, "b"},
		`"" ''`:                                  {"", ""},
	}
	for in, want := range cases {
		got, err := SplitFor(in, true)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`"open`, `'open`} {
		if _, err := SplitFor(in, true); err == nil {
			t.Fatalf("%q accepted", in)
		}
	}
	// The same line under POSIX rules: backslashes escape (the behaviour the Windows rule replaces there).
	if got, _ := SplitFor(`C:\windows\cmd.exe`, false); !reflect.DeepEqual(got, []string{"C:windowscmd.exe"}) {
		t.Fatalf("posix: %q", got)
	}
}

// Placeholders are substituted after splitting: a workenv with a quote, a space or a backslash is
// one word, as written.
func TestSplitSubstituted(t *testing.T) {
	p := Placeholders{Workenv: `/home/o'brien/my cache\w`, PackageName: "pkg"}
	got, err := p.SplitSubstituted(`"{workenv}/bin/python" -m {package_name} x{workenv}`)
	want := []string{`/home/o'brien/my cache\w/bin/python`, "-m", "pkg", `x/home/o'brien/my cache\w`}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q %v", got, err)
	}
	if _, err := p.SplitSubstituted("{slot:3}"); err == nil {
		t.Fatal("missing slot accepted")
	}
}

func TestSubstitute(t *testing.T) {
	p := Placeholders{Workenv: "/c/w", PackageName: "pkg", Version: "1.2", SlotPaths: []string{"/c/w", "/c/w/bin/uv"}}
	got, err := p.Substitute("{workenv}/bin {package_name}-{version} {slot:1} {slot:0}/x {os}/{arch} {other}")
	if err != nil || !strings.HasPrefix(got, "/c/w/bin pkg-1.2 /c/w/bin/uv /c/w/x ") || !strings.HasSuffix(got, " {other}") {
		t.Fatal(got, err)
	}
	if _, err := p.Substitute("{slot:2}"); err == nil {
		t.Fatal("missing slot accepted")
	}
	paths := SlotPaths("/w", []format.SlotMeta{{Target: "{workenv}"}, {Target: "{workenv}/bin/uv"}, {Target: "lib"}})
	if !reflect.DeepEqual(paths, []string{"/w", "/w/bin/uv", "/w/lib"}) {
		t.Fatal(paths)
	}
}

func envOf(m *EnvMap) map[string]string {
	out := map[string]string{}
	for _, kv := range m.Environ() {
		i := strings.IndexByte(kv, '=')
		out[kv[:i]] = kv[i+1:]
	}
	return out
}

func TestRuntimeEnv(t *testing.T) {
	m := NewEnvMap([]string{"PATH=/usr/bin", "HOME=/h", "LC_ALL=C", "LC_CTYPE=x", "SECRET=s", "OLD=o", "KEEP_OLD=k", "DUP=1", "DUP=2"})
	m.ApplyRuntime(&format.RuntimeEnv{
		Pass:  []string{"PATH", "HOME", "LC_*", "KEEP_*"},
		Unset: []string{"*"},
		Map:   map[string]string{"KEEP_OLD": "NEW", "LC_ALL": "RENAMED"},
		Set:   map[string]string{"MODE": "test", "HOME": "/override"},
	})
	want := map[string]string{"PATH": "/usr/bin", "HOME": "/override", "LC_ALL": "C", "LC_CTYPE": "x", "KEEP_OLD": "k", "MODE": "test"}
	if got := envOf(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	m = NewEnvMap([]string{"A=1", "AB=2", "B=3", "OLD=o"})
	m.ApplyRuntime(&format.RuntimeEnv{Unset: []string{"A?"}, Map: map[string]string{"OLD": "NEW"}})
	if got := envOf(m); !reflect.DeepEqual(got, map[string]string{"A": "1", "B": "3", "NEW": "o"}) {
		t.Fatalf("glob unset/map: %v", got)
	}
}

// The documented example: a clean environment (unset = ["*"]) that keeps a few variables (pass), renames
// one it would otherwise drop (map reads the environment before unset) and points a variable at the
// workenv ({workenv} and $FLAVOR_WORKENV expand in set values).
func TestRuntimeEnvCleanSlateExample(t *testing.T) {
	meta := &format.Metadata{
		Package: format.PackageInfo{Name: "p", Version: "1"},
		Runtime: &format.Runtime{Env: &format.RuntimeEnv{
			Unset: []string{"*"},
			Pass:  []string{"PATH", "HOME", "LANG", "LC_*"},
			Map:   map[string]string{"LEGACY_TOKEN": "APP_TOKEN"},
			Set: map[string]string{"APP_HOME": "{workenv}/data", "APP_CACHE": "$FLAVOR_WORKENV/cache",
				"APP_LOGS": "${FLAVOR_WORKENV}/logs", "APP_NAME": "{package_name}"},
		}},
	}
	ctx := Context{Placeholders: Placeholders{Workenv: "/c/w", PackageName: "p", Version: "1"}, CacheRoot: "/c", PackagePath: "/x/p.psp", Argv0: "p.psp"}
	m, err := BuildEnv([]string{"PATH=/usr/bin", "HOME=/h", "LC_ALL=C", "SECRET=s", "LEGACY_TOKEN=t0k"}, meta, ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := envOf(m)
	want := map[string]string{"HOME": "/h", "LC_ALL": "C", "APP_TOKEN": "t0k", "APP_HOME": "/c/w/data",
		"APP_CACHE": "/c/w/cache", "APP_LOGS": "/c/w/logs", "APP_NAME": "p"}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %q, want %q (env %v)", k, got[k], v, got)
		}
	}
	for _, gone := range []string{"SECRET", "LEGACY_TOKEN"} {
		if _, ok := got[gone]; ok {
			t.Fatalf("%s survived unset = [\"*\"]", gone)
		}
	}
}

func TestBuildEnvOrder(t *testing.T) {
	meta := &format.Metadata{
		Package: format.PackageInfo{Name: "p", Version: "1"},
		Runtime: &format.Runtime{Env: &format.RuntimeEnv{Set: map[string]string{"X": "runtime", "Y": "runtime", "Z": "runtime"}}},
		Workenv: &format.WorkenvSpec{Env: map[string]string{"Y": "workenv", "Z": "workenv", "TMPDIR": "{workenv}/tmp"}},
		Execution: format.Execution{Env: map[string]string{"Z": "exec {package_name}", "FLAVOR_WORKENV": "nope"},
			Environment: map[string]string{"Z": "ignored", "E": "ignored"}},
	}
	ctx := Context{Placeholders: Placeholders{Workenv: "/c/w", PackageName: "p", Version: "1"}, CacheRoot: "/c", PackagePath: "/x/p.psp", Argv0: "./p.psp"}
	m, err := BuildEnv([]string{"PATH=/usr/bin", "X=inherited", "FLAVOR_CACHE=old"}, meta, ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := envOf(m)
	checks := map[string]string{"X": "runtime", "Y": "workenv", "Z": "exec p", "TMPDIR": "/c/w/tmp", "FLAVOR_WORKENV": "/c/w",
		"FLAVOR_CACHE": "/c", "FLAVOR_PACKAGE": "p", "FLAVOR_VERSION": "1", "FLAVOR_COMMAND_NAME": "p.psp",
		"FLAVOR_ORIGINAL_COMMAND": "./p.psp", "FLAVOR_PACKAGE_PATH": "/x/p.psp", "PATH": "/c/w/bin" + string(os.PathListSeparator) + "/usr/bin"}
	for k, v := range checks {
		if got[k] != v {
			t.Fatalf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["E"]; ok {
		t.Fatal("execution.environment used although env is present")
	}
	seen := map[string]bool{}
	for _, kv := range m.Environ() {
		name := kv[:strings.IndexByte(kv, '=')]
		if seen[name] {
			t.Fatalf("duplicate %s", name)
		}
		seen[name] = true
	}
	meta.Execution.Env = nil
	m, _ = BuildEnv(nil, meta, ctx)
	if envOf(m)["E"] != "ignored" || envOf(m)["PATH"] != "/c/w/bin" {
		t.Fatal("execution.environment fallback / PATH without inherited PATH")
	}
}

func TestSelectCommand(t *testing.T) {
	ex := format.Execution{Command: "main", Commands: map[string]string{"tool": "t", "other": "o"}}
	cases := []struct{ env, argv0, want string }{
		{"", "/x/app.psp", "main"}, {"tool", "/x/app", "t"}, {"", "/usr/local/bin/other", "o"},
		{"", "tool.exe", "t"}, {"", `C:\bin\tool.psp`, "t"},
	}
	for _, c := range cases {
		got, err := SelectCommand(ex, c.env, c.argv0)
		if err != nil || got != c.want {
			t.Fatalf("%+v: %q %v", c, got, err)
		}
	}
	_, err := SelectCommand(ex, "nope", "x")
	if errs.ExitCode(err) != errs.ExitUsage || !strings.Contains(err.Error(), "other, tool") {
		t.Fatal(err)
	}
}

func TestResolveAndPlan(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "app"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(bin, "noexec"), []byte(""), 0o644)
	env := NewEnvMap([]string{"PATH=" + bin + string(os.PathListSeparator) + "/usr/bin"})
	ph := Placeholders{Workenv: dir}
	plan, err := BuildPlan(`app "a b" {workenv}`, ph, env, []string{"u 1", "ü"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(bin, "app"), "a b", dir, "u 1", "ü"}
	if plan.Program != want[0] || !reflect.DeepEqual(plan.Argv, want) {
		t.Fatalf("%q", plan.Argv)
	}
	if p, _ := Resolve("/abs/prog", dir, env); p != "/abs/prog" {
		t.Fatal(p)
	}
	if p, _ := Resolve("bin/app", dir, env); p != filepath.Join(dir, "bin/app") {
		t.Fatal(p)
	}
	if _, err := Resolve("noexec", dir, env); errs.ExitCode(err) != errs.ExitExec {
		t.Fatal(err)
	}
}

func TestParseSetup(t *testing.T) {
	raw := []string{`"echo hi"`, `{"type":"chmod","path":"{workenv}/bin/*","mode":"700"}`, `{"type":"write_file","path":"{workenv}/m/x","content":"{package_name}"}`}
	cmds, err := ParseSetup(toRaw(raw))
	if err != nil || len(cmds) != 3 || cmds[0].Type != "execute" || cmds[1].Type != "chmod" {
		t.Fatal(cmds, err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin", "s"), nil, 0o644)
	s := &Setup{Ph: Placeholders{Workenv: dir, PackageName: "pk"}, Env: NewEnvMap(os.Environ()), Out: os.Stderr}
	if err := s.Run(cmds[1:]); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "bin", "s")); fi.Mode().Perm() != 0o700 {
		t.Fatal(fi.Mode())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "m", "x")); string(b) != "pk" {
		t.Fatal(string(b))
	}
	bad, _ := ParseSetup(toRaw([]string{`{"type":"write_file","path":"/etc/x","content":""}`}))
	if err := s.Run(bad); err == nil {
		t.Fatal("write outside the workenv accepted")
	}
}

// Setup commands are read with exact keys, like the rest of the metadata: "Type", "PATH" or "Content" are
// unknown keys that inspect shows as written, so they must not steer what the launcher does.
func TestParseSetupReadsKeysExactly(t *testing.T) {
	cmds, err := ParseSetup(toRaw([]string{
		`{"Type":"write_file","PATH":"{workenv}/x","Content":"evil","command":"true"}`,
		`{"type":"enumerate_and_execute","command":"true","enumerate":{"Path":"/etc","pattern":"*"}}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c := cmds[0]; c.Type != "" || c.Path != "" || c.Content != "" || c.Command != "true" {
		t.Fatalf("case-variant keys were used: %+v", c)
	}
	if e := cmds[1].Enumerate; e == nil || e.Path != "" || e.Pattern != "*" {
		t.Fatalf("case-variant enumerate key was used: %+v", e)
	}
	if _, err := ParseSetup(toRaw([]string{`{"type":1}`})); err == nil {
		t.Fatal("a non-string type was accepted")
	}
}

// TestParseSetupTypes: a mode is an octal string or an integer in uint32 range (at most 0o7777); a
// field of another type than string is refused; keys are read exactly as written.
func TestParseSetupTypes(t *testing.T) {
	modes := map[string]bool{`"0755"`: true, `448`: true, `4095`: true, `4096`: false, `1.0`: false, `-1`: false, `true`: false, `null`: false}
	for text, ok := range modes {
		cmds, err := ParseSetup(toRaw([]string{`{"type":"chmod","path":"x","mode":` + text + `}`}))
		if err != nil {
			t.Fatal(text, err)
		}
		if _, got := parseMode(cmds[0].Mode); got != ok {
			t.Errorf("mode %s: ok = %v, want %v", text, got, ok)
		}
	}
	for _, bad := range []string{`{"type":1}`, `{"command":["a"]}`, `{"type":"enumerate","enumerate":"x"}`, `{"enumerate":{"path":2}}`, `[]`, `{`} {
		if _, err := ParseSetup(toRaw([]string{bad})); errs.CodeOf(err) != errs.MetadataSchema {
			t.Errorf("%s: err = %v, want %s", bad, err, errs.MetadataSchema)
		}
	}
	cmds, err := ParseSetup(toRaw([]string{`{"Type":"shell","COMMAND":"x","command":null}`}))
	if err != nil || cmds[0].Type != "" || cmds[0].Command != "" {
		t.Fatalf("keys not read exactly: %+v %v", cmds, err)
	}
}
