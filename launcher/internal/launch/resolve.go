package launch

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"flavorpack.dev/launcher/internal/errs"
)

// Resolve finds the program named by the first command word: an absolute path is used as given,
// a path with a slash is relative to the workenv, and a bare name is looked up on the child's PATH.
func Resolve(word, workenv string, env *EnvMap) (string, error) {
	if word == "" {
		return "", errs.New(errs.NotFound, "the command is empty").WithExit(errs.ExitExec)
	}
	native := filepath.FromSlash(word)
	if filepath.IsAbs(native) {
		return native, nil
	}
	if strings.ContainsAny(word, `/\`) {
		return filepath.Join(filepath.FromSlash(workenv), native), nil
	}
	pathVar, _ := env.Get("PATH")
	for _, dir := range filepath.SplitList(pathVar) {
		if dir == "" {
			continue
		}
		for _, cand := range candidates(filepath.Join(dir, word), env) {
			if isExecutable(cand) {
				return cand, nil
			}
		}
	}
	return "", errs.New(errs.NotFound, "command %q not found on the PATH of the app", word).
		WithExit(errs.ExitExec).WithHint("the package's command must name a program in {workenv}/bin, an absolute path, or one on PATH")
}

func candidates(p string, env *EnvMap) []string {
	if runtime.GOOS != "windows" {
		return []string{p}
	}
	exts, _ := env.Get("PATHEXT")
	if exts == "" {
		exts = ".COM;.EXE;.BAT;.CMD"
	}
	out := []string{}
	if filepath.Ext(p) != "" {
		out = append(out, p)
	}
	for _, e := range strings.Split(exts, ";") {
		if e != "" {
			out = append(out, p+strings.ToLower(e))
		}
	}
	return out
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode()&0o111 != 0
}

// Plan is a fully built launch: program, argv (argv[0] = program) and environment.
type Plan struct {
	Program string
	Argv    []string
	Env     []string
}

// BuildPlan splits the command line, substitutes the placeholders in each word, resolves the program and appends userArgs.
func BuildPlan(commandLine string, ph Placeholders, env *EnvMap, userArgs []string) (*Plan, error) {
	words, err := ph.SplitSubstituted(commandLine)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, errs.New(errs.NotFound, "the command %q is empty", commandLine).WithExit(errs.ExitExec)
	}
	prog, err := Resolve(words[0], ph.Workenv, env)
	if err != nil {
		return nil, err
	}
	argv := append([]string{prog}, words[1:]...)
	argv = append(argv, userArgs...)
	return &Plan{Program: prog, Argv: argv, Env: env.Environ()}, nil
}
