package verify_test

import (
	"strings"
	"testing"

	"flavorpack.dev/launcher/internal/errs"
	"flavorpack.dev/launcher/internal/verify"
)

// FLAVOR_VALIDATION is exactly "strict", "relaxed", "none" or empty; anything else is refused (USAGE).
func TestParseLevel(t *testing.T) {
	for v, want := range map[string]string{"": verify.Strict, "strict": verify.Strict, "relaxed": verify.Relaxed, "none": verify.None} {
		if got, err := verify.ParseLevel(v); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %q, %v; want %q", v, got, err, want)
		}
	}
	for _, v := range []string{"NONE", " none", "none ", "RELAXED", "Relaxed", "STRICT", "relaxd", "off", "0", "false"} {
		got, err := verify.ParseLevel(v)
		if errs.CodeOf(err) != errs.Usage {
			t.Errorf("ParseLevel(%q) = %q, %v; want a USAGE error", v, got, err)
			continue
		}
		if e, _ := errs.As(err); !strings.Contains(e.Hint, "strict") || !strings.Contains(e.Hint, "relaxed") || !strings.Contains(e.Hint, "none") {
			t.Errorf("ParseLevel(%q): hint %q does not list the valid values", v, e.Hint)
		}
	}
}
