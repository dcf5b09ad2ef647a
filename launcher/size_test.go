package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// issueGoal is the launcher size issue 14 asks for (3 MiB). sizeBudget is what each target may weigh
// today, built exactly as build.sh builds it: the sizes after docs/launcher.md "Size" was worked
// through, rounded up with ~39–94 KB of room. A change that makes the launcher bigger than its budget
// fails here; lower a budget when the launcher shrinks, never raise one without saying why.
const issueGoal = 3 << 20

var sizeBudget = map[string]int64{
	"linux_amd64":   59 << 16,
	"linux_arm64":   56 << 16,
	"darwin_amd64":  58 << 16,
	"darwin_arm64":  55 << 16,
	"windows_amd64": 60 << 16,
	"windows_arm64": 55 << 16,
}

// TestLauncherSize builds the six release launchers with build.sh and checks each against its budget.
func TestLauncherSize(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("bash", "build.sh", "--platform", "all", "--out", out, "--version", "0.0.0-size")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh --platform all: %v\n%s", err, b)
	}
	for target, budget := range sizeBudget {
		name := "flavor-launcher-" + target
		if strings.HasPrefix(target, "windows") {
			name += ".exe"
		}
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > budget {
			t.Errorf("%s is %d bytes, over its budget of %d (issue 14's goal: %d)", name, fi.Size(), budget, issueGoal)
		} else {
			t.Logf("%s: %d bytes (budget %d, goal %d: %+d)", name, fi.Size(), budget, issueGoal, fi.Size()-issueGoal)
		}
	}
}
