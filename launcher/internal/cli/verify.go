package cli

import (
	"fmt"
	"os"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/jsonlite"
	"flavorpack.dev/launcher/internal/verify"
)

// verifyResult is one line of `verify --json`: the machine-readable outcome the differential test
// (test/adversarial/differential.test.ts) compares with `flavor verify`.
type verifyResult struct {
	Path        string   `json:"path"`
	OK          bool     `json:"ok"`
	Code        string   `json:"code,omitempty"`
	Message     string   `json:"message,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`
	Pinned      []string `json:"pinned"`
}

func (r verifyResult) JSONObject() jsonlite.Obj {
	o := jsonlite.Obj{{Key: "path", Value: r.Path}, {Key: "ok", Value: r.OK}}
	for _, f := range []jsonlite.Field{{Key: "code", Value: r.Code}, {Key: "message", Value: r.Message}, {Key: "fingerprint", Value: r.Fingerprint}} {
		if f.Value != "" { // omitempty
			o = append(o, f)
		}
	}
	return append(o, jsonlite.Field{Key: "pinned", Value: r.Pinned})
}

// verifyCmd implements `verify [--json] [PKG...]`: every check of docs/format.md, in order, on this
// package or on the named files. Exit 0 only when all pass; otherwise the exit code of the first
// failing package.
func (a *App) verifyCmd(args []string) int {
	asJSON := false
	var paths []string
	for _, arg := range args {
		if arg == "--json" {
			asJSON = true
		} else {
			paths = append(paths, arg)
		}
	}
	if len(paths) == 0 {
		paths = []string{a.Exe}
	}
	exit := 0
	for _, path := range paths {
		res, err := a.verifyFile(path, asJSON)
		if asJSON {
			a.printVerifyJSON(path, res, err)
		} else if err != nil {
			fmt.Fprintf(a.Stdout, "FAIL %s: %s [%s]\nverification FAILED\n", path, err, errs.CodeOf(err))
		} else {
			fmt.Fprintf(a.Stdout, "verification passed: %s\n", path)
		}
		if err != nil && exit == 0 {
			exit = errs.ExitCode(err)
		}
	}
	return exit
}

func (a *App) verifyFile(path string, quiet bool) (*verify.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to open %s", path).WithExit(errs.ExitPackage)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, errs.Wrap(errs.IOError, err, "failed to stat %s", path).WithExit(errs.ExitPackage)
	}
	report := func(check, detail string) {
		if !quiet {
			fmt.Fprintf(a.Stdout, "ok   %-10s %s\n", check, detail)
		}
	}
	return verify.Verify(f, fi.Size(), a.Getenv("FLAVOR_TRUSTED_KEYS"), report)
}

func (a *App) printVerifyJSON(path string, res *verify.Result, err error) {
	out := verifyResult{Path: path, OK: err == nil, Pinned: []string{}}
	if res != nil {
		out.Fingerprint = res.Fingerprint
		if res.Pinned != nil {
			out.Pinned = res.Pinned
		}
	}
	if err != nil {
		out.Code, out.Message = errs.CodeOf(err), err.Error()
	}
	fmt.Fprintf(a.Stdout, "%s\n", jsonlite.Marshal(out))
}
