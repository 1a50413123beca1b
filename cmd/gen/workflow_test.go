package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// workflow is the part of a GitHub Actions workflow the test reads.
type workflow struct {
	// On is the "on:" key, which YAML 1.1 (sigs.k8s.io/yaml) reads as
	// true; GitHub reads it as "on".
	On struct {
		PullRequest struct {
			Paths []string `json:"paths"`
		} `json:"pull_request"`
	} `json:"true"`
	Env  map[string]string `json:"env"`
	Jobs map[string]struct {
		Steps []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Uses string `json:"uses"`
			If   string `json:"if"`
			Run  string `json:"run"`
		} `json:"steps"`
	} `json:"jobs"`
}

// TestWorkflow runs the steps of .github/workflows/gen.yml that are shell
// scripts, as GitHub Actions would (bash -eo pipefail, with
// $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY and step outputs), with a gen
// built from this tree standing in for the install step, on a copy of
// this repository's environments: the job passes on a clean tree with a
// summary of check, diff and plan, and fails on a stale file, naming it.
func TestWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gen; skipped with -short")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", "gen.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("gen.yml: %v", err)
	}
	for _, dir := range []string{"schema/**", "environments/**", "policies/**", "rendered/**"} {
		if !slices.Contains(wf.On.PullRequest.Paths, dir) {
			t.Errorf("gen.yml: pull_request.paths lacks %s", dir)
		}
	}
	job, ok := wf.Jobs["gen"]
	if !ok {
		t.Fatal("gen.yml: no job gen")
	}
	for _, s := range job.Steps {
		if s.Run == "" {
			continue
		}
		if out, err := exec.Command("bash", "-n", "-c", s.Run).CombinedOutput(); err != nil {
			t.Errorf("step %q: bash -n: %v\n%s", s.Name, err, out)
		}
	}

	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "gen"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// runJob runs the job's shell steps in a copy of the repository,
	// after edit, and returns the summary and whether the job passed.
	runJob := func(t *testing.T, edit func(root string)) (summary, log string, passed bool) {
		work := t.TempDir()
		root := filepath.Join(work, "repo")
		copyRepoData(t, root)
		if edit != nil {
			edit(root)
		}
		summaryFile := filepath.Join(work, "summary.md")
		sandbox, err := sandboxEnv(work) // the last value of a variable wins
		if err != nil {
			t.Fatal(err)
		}
		env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
			"GITHUB_STEP_SUMMARY="+summaryFile, "GITHUB_PATH="+filepath.Join(work, "path"),
			"AWS_EC2_METADATA_DISABLED=true")
		env = append(env, sandbox...)
		for k, v := range wf.Env {
			env = append(env, k+"="+v)
		}
		outputs := map[string]map[string]string{}
		outcome := map[string]string{}
		failed := false
		var logs bytes.Buffer
		for _, s := range job.Steps {
			if s.Uses != "" || s.ID == "install" {
				continue // checkout, setup-go and go install: gen is on PATH already
			}
			if !stepIf(t, s.If, failed, outputs, outcome) {
				continue
			}
			outFile := filepath.Join(work, "output-"+s.ID)
			script := expand(t, s.Run, outputs)
			cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
			cmd.Dir = root
			cmd.Env = append(slices.Clone(env), "GITHUB_OUTPUT="+outFile)
			out, err := cmd.CombinedOutput()
			fmt.Fprintf(&logs, "== %s\n%s", s.Name, out)
			outcome[s.ID] = "success"
			if err != nil {
				outcome[s.ID] = "failure"
				failed = true
			}
			outputs[s.ID] = readOutputs(outFile)
		}
		got, err := os.ReadFile(summaryFile)
		if err != nil {
			t.Fatalf("no job summary: %v\n%s", err, logs.String())
		}
		return string(got), logs.String(), !failed
	}

	t.Run("clean", func(t *testing.T) {
		summary, log, passed := runJob(t, nil)
		if !passed {
			t.Errorf("the job failed on a clean tree:\n%s", log)
		}
		for _, want := range []string{
			"## gen check\nrendered/ is up to date and every policy passes.",
			"## gen diff chatbot/staging chatbot/prod\n", "--- chatbot/staging\n+++ chatbot/prod\n", "objects differ:",
			"## gen diff chatbot/dev chatbot/staging\n",
			"## gen plan chatbot/prod\n", "monthly cost",
		} {
			if !strings.Contains(summary, want) {
				t.Errorf("summary lacks %q:\n%s", want, summary)
			}
		}
		if strings.Contains(summary, "## gen diff chatbot/prod\n") {
			t.Errorf("summary shows a diff of prod, which is up to date:\n%s", summary)
		}
	})

	t.Run("stale", func(t *testing.T) {
		stale := "rendered/chatbot/prod/apps/backend/deployment-backend.yaml"
		summary, log, passed := runJob(t, func(root string) {
			p := filepath.Join(root, stale)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data = bytes.Replace(data, []byte("maxSurge: 25%"), []byte("maxSurge: 50%"), 1)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		})
		if passed {
			t.Errorf("the job passed with a stale file:\n%s", log)
		}
		for _, want := range []string{
			"rendered/ is out of date", "stale: " + stale, "run: gen render chatbot/prod",
			"## gen diff chatbot/prod\n", "~ apps/v1 Deployment chatbot/backend  [config]",
		} {
			if !strings.Contains(summary, want) {
				t.Errorf("summary lacks %q:\n%s", want, summary)
			}
		}
		if !strings.Contains(log, "stale: "+stale) {
			t.Errorf("the job's log does not name %s:\n%s", stale, log)
		}
	})
}

// stepIf evaluates the if: conditions gen.yml uses.
func stepIf(t *testing.T, cond string, failed bool, outputs map[string]map[string]string, outcome map[string]string) bool {
	t.Helper()
	switch cond {
	case "":
		return !failed
	case "always() && steps.check.outcome == 'success'":
		return outcome["check"] == "success"
	case "steps.check.outputs.code != '0'":
		return !failed && outputs["check"]["code"] != "0"
	}
	t.Fatalf("gen.yml: the test does not know the condition %q", cond)
	return false
}

var stepOutput = regexp.MustCompile(`\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}`)

// expand replaces ${{ steps.ID.outputs.NAME }}, the only expression the
// scripts of gen.yml use.
func expand(t *testing.T, script string, outputs map[string]map[string]string) string {
	t.Helper()
	script = stepOutput.ReplaceAllStringFunc(script, func(m string) string {
		sub := stepOutput.FindStringSubmatch(m)
		return outputs[sub[1]][sub[2]]
	})
	if strings.Contains(script, "${{") {
		t.Fatalf("gen.yml: the test does not know an expression in:\n%s", script)
	}
	return script
}

// readOutputs reads a $GITHUB_OUTPUT file of name=value lines.
func readOutputs(file string) map[string]string {
	m := map[string]string{}
	data, _ := os.ReadFile(file)
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}
