package errs_test

// One list of error codes: every code the launcher defines is a code of src/errors.ts, and every code
// of the categories both readers raise (format, integrity, signature) exists here.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"testing"
)

func goCodes(t *testing.T) map[string]bool {
	f, err := parser.ParseFile(token.NewFileSet(), "errs.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					codes[s] = true
				}
			}
		}
		return true
	})
	return codes
}

func tsCodes(t *testing.T) map[string]string {
	b, err := os.ReadFile("../../../src/errors.ts")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+([A-Z_]+): '([a-z]+)',$`).FindAllStringSubmatch(string(b), -1) {
		codes[m[1]] = m[2]
	}
	return codes
}

func TestErrorCodesMatchTypeScript(t *testing.T) {
	goSet, tsSet := goCodes(t), tsCodes(t)
	if len(goSet) < 30 || len(tsSet) < 40 {
		t.Fatalf("parsed %d Go and %d TypeScript codes: the parsers are broken", len(goSet), len(tsSet))
	}
	for c := range goSet {
		if _, ok := tsSet[c]; !ok {
			t.Errorf("the launcher defines %s, src/errors.ts does not (add it there and to docs/errors.md)", c)
		}
	}
	for c, category := range tsSet {
		if (category == "format" || category == "integrity" || category == "signature") && !goSet[c] {
			t.Errorf("src/errors.ts has the %s code %s, the launcher does not", category, c)
		}
	}
}
