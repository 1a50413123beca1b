package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// shellCheck is how a shell checks a script's syntax without running it.
type shellCheck struct {
	shell string
	args  []string // before the script's path
}

var shellChecks = []shellCheck{
	{"bash", []string{"-n"}},
	{"zsh", []string{"-n"}},
	{"fish", []string{"--no-execute"}},
}

// TestCompletionSyntax has each shell parse the script gen completion
// prints for it: bash -n, zsh -n and fish --no-execute. A shell that is
// not installed skips its check, saying so on stderr as well (go test
// shows a skip's message only with -v); under CI (CI set, as
// CI=true) it fails instead: .ci/run installs zsh and fish.
// testdata/script/completion.txtar runs the scripts' completions.
func TestCompletionSyntax(t *testing.T) {
	for _, c := range shellChecks {
		t.Run(c.shell, func(t *testing.T) {
			bin, err := exec.LookPath(c.shell)
			if err != nil {
				msg, fail := missingShell(c.shell, os.Getenv("CI") != "")
				if fail {
					t.Fatal(msg)
				}
				fmt.Fprintln(shellWarnings, "WARNING: "+msg)
				t.Skip(msg)
			}
			var script strings.Builder
			if code := run([]string{"completion", c.shell}, &script, &script); code != exitOK {
				t.Fatalf("gen completion %s = exit %d:\n%s", c.shell, code, script.String())
			}
			file := filepath.Join(t.TempDir(), "gen."+c.shell)
			if err := os.WriteFile(file, []byte(script.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(t.Context(), bin, append(c.args, file)...)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Errorf("%s %s: %v\n%s\nthe script:\n%s", c.shell, strings.Join(c.args, " "), err, out, numbered(script.String()))
			}
		})
	}
}

// TestCompletionSyntaxCatches shows that the checks fail on a script
// with a syntax error, for the shells that are installed.
func TestCompletionSyntaxCatches(t *testing.T) {
	for _, c := range shellChecks {
		t.Run(c.shell, func(t *testing.T) {
			bin, err := exec.LookPath(c.shell)
			if err != nil {
				t.Skipf("%s is not installed", c.shell)
			}
			file := filepath.Join(t.TempDir(), "bad")
			if err := os.WriteFile(file, []byte("if true; then\n  echo unterminated\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(t.Context(), bin, append(c.args, file)...)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Errorf("%s %s accepts an unterminated if:\n%s", c.shell, strings.Join(c.args, " "), out)
			}
		})
	}
}

// TestMissingShell: outside CI a missing shell is a skip that says what
// is not checked and how to check it; under CI it is a failure.
func TestMissingShell(t *testing.T) {
	msg, fail := missingShell("fish", false)
	if fail || !strings.Contains(msg, "SKIPPED") || !strings.Contains(msg, "apt-get install zsh fish") {
		t.Errorf("outside CI: %q, fail=%v", msg, fail)
	}
	msg, fail = missingShell("fish", true)
	if !fail || !strings.Contains(msg, ".ci/run installs") {
		t.Errorf("under CI: %q, fail=%v", msg, fail)
	}
}

// missingShell says that shell is not installed, and whether that fails
// the test (under CI) rather than skipping it.
func missingShell(shell string, ci bool) (string, bool) {
	if ci {
		return fmt.Sprintf("%s is not installed, so gen completion %s's script cannot be checked; .ci/run installs it (Debian: apt-get install zsh fish)", shell, shell), true
	}
	return fmt.Sprintf("SKIPPED: %s is not installed: the syntax of gen completion %s's script is not checked; install it to check it (Debian: apt-get install zsh fish); under CI=true this fails", shell, shell), false
}

// shellWarnings is where a skip for a missing shell says so.
var shellWarnings io.Writer = os.Stderr

// numbered returns s with line numbers, as shells report errors by line.
func numbered(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}
