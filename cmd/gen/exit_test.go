package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes runs check and diff on a copy of this repository's
// environments and asserts the documented exit codes: 0 up to date, 1
// stale or a policy violation (check) or a difference (diff), 2 bad input
// or usage. Every run is offline, and -o json gives the same code as text.
func TestExitCodes(t *testing.T) {
	// Each run renders (no state between cases), and nothing reaches the
	// tester's home.
	vars, err := sandboxEnv(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	root := t.TempDir()
	copyRepoData(t, root)
	gen := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append(args, "--root", root), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	edit := func(rel, data string) func() {
		p := filepath.Join(root, filepath.FromSlash(rel))
		old, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return func() {
			if old == nil {
				os.Remove(p)
			} else if err := os.WriteFile(p, old, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	stale := "rendered/chatbot/prod/apps/backend/deployment-backend.yaml"
	staleData, err := os.ReadFile(filepath.Join(root, stale))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		setup func() func()
		args  []string
		want  int
		// out is a substring of stdout, err of stderr.
		out, err string
	}{
		{name: "check up to date", args: []string{"check"}, want: exitOK},
		{name: "check one env", args: []string{"check", "chatbot/prod"}, want: exitOK},
		{name: "check json", args: []string{"check", "-o", "json"}, want: exitOK, out: `"ok": true`},
		{name: "diff up to date", args: []string{"diff"}, want: exitOK},
		{name: "diff json up to date", args: []string{"diff", "-o", "json"}, want: exitOK, out: `"differs": false`},
		{name: "diff two envs", args: []string{"diff", "chatbot/staging", "chatbot/prod"}, want: exitChanges, out: "--- chatbot/staging\n+++ chatbot/prod\n"},

		{name: "check stale", setup: func() func() { return edit(stale, string(staleData)+"# edited\n") },
			args: []string{"check"}, want: exitChanges, out: "stale: " + stale, err: "run: gen render --root " + root + " chatbot/prod"},
		{name: "check stale json", setup: func() func() { return edit(stale, string(staleData)+"# edited\n") },
			args: []string{"check", "-o", "json"}, want: exitChanges, out: `"fix": "gen render --root ` + root + ` chatbot/prod"`},
		{name: "diff stale", setup: func() func() {
			return edit(stale, strings.Replace(string(staleData), "maxSurge: 25%", "maxSurge: 50%", 1))
		},
			args: []string{"diff", "chatbot/prod"}, want: exitChanges, out: "~ apps/v1 Deployment chatbot/backend"},
		{name: "diff patch stale", setup: func() func() { return edit(stale, string(staleData)+"# edited\n") },
			args: []string{"diff", "-o", "patch"}, want: exitChanges, out: "+++ b/" + stale},

		{name: "check policy violation", setup: func() func() {
			return edit("policies/never.cue", "package policies\n\npolicies: never: {\n\tdescription: \"No Deployment at all.\"\n\tkinds: [\"Deployment\"]\n\tcheck: kind: \"None\"\n}\n")
		}, args: []string{"check", "chatbot/prod"}, want: exitChanges, err: "policies: failed"},
		{name: "check policy violation json", setup: func() func() {
			return edit("policies/never.cue", "package policies\n\npolicies: never: {\n\tdescription: \"No Deployment at all.\"\n\tkinds: [\"Deployment\"]\n\tcheck: kind: \"None\"\n}\n")
		}, args: []string{"check", "chatbot/prod", "-o", "json"}, want: exitChanges, out: `"upToDate": true`},

		{name: "check bad input", setup: func() func() {
			return edit("environments/chatbot/prod/broken.cue", "package environments\n\napps: {,\n")
		},
			args: []string{"check"}, want: exitError, err: "environments/chatbot/prod/broken.cue"},
		{name: "check bad input json", setup: func() func() {
			return edit("environments/chatbot/prod/broken.cue", "package environments\n\napps: {,\n")
		},
			args: []string{"check", "-o", "json"}, want: exitError, err: "environments/chatbot/prod/broken.cue"},
		{name: "diff bad input", setup: func() func() {
			return edit("environments/chatbot/prod/broken.cue", "package environments\n\napps: {,\n")
		},
			args: []string{"diff", "chatbot/staging", "chatbot/prod"}, want: exitError, err: "environments/chatbot/prod/broken.cue"},
		{name: "check unknown env", args: []string{"check", "qa"}, want: exitError, err: `unknown environment "qa"`},
		{name: "check bad format", args: []string{"check", "-o", "yaml"}, want: exitError, err: `unknown output format "yaml"`},
		{name: "diff three envs", args: []string{"diff", "dev", "staging", "prod"}, want: exitError, err: "name one environment, or two"},
		{name: "diff bad flag", args: []string{"diff", "--colour"}, want: exitError, err: "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				defer tc.setup()()
			}
			code, stdout, stderr := gen(tc.args...)
			if code != tc.want {
				t.Errorf("gen %s = exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), code, tc.want, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.out) {
				t.Errorf("stdout does not contain %q:\n%s", tc.out, stdout)
			}
			if !strings.Contains(stderr, tc.err) {
				t.Errorf("stderr does not contain %q:\n%s", tc.err, stderr)
			}
			if tc.want == exitError && stdout != "" {
				t.Errorf("exit 2 with output on stdout:\n%s", stdout)
			}
		})
	}
}

// repoDataDirs are the folders of a repository that uses gen.
var repoDataDirs = []string{"cue.mod", "schema", "environments", "policies", "rendered"}

// copyRepoData copies this repository's repoDataDirs into dst, as the
// repository of a gen user.
func copyRepoData(t *testing.T, dst string) {
	t.Helper()
	for _, dir := range repoDataDirs {
		if err := os.CopyFS(filepath.Join(dst, dir), os.DirFS(filepath.Join("..", "..", dir))); err != nil {
			t.Fatal(err)
		}
	}
}
