package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// preCommitStale is the rendered file the tests edit by hand.
const preCommitStale = "rendered/chatbot/prod/apps/backend/deployment-backend.yaml"

// TestPreCommit runs the hooks of .pre-commit-hooks.yaml through the real
// pre-commit (Debian package pre-commit) in throwaway git repositories:
//
//   - a hook repository: this module's source and the .pre-commit-hooks.yaml
//     under test, committed, as users' configs reference it by rev;
//   - user repositories: this repository's CUE and rendered/ with a
//     .pre-commit-config.yaml that uses the hook repository.
//
// pre-commit builds gen there with `go install ./...` (language: golang,
// pre_commit/languages/golang.py), once per PRE_COMMIT_HOME. Everything is
// offline: modules come from the tester's module cache, GOPROXY=off, and
// any HTTP request goes to a closed port.
func TestPreCommit(t *testing.T) {
	sb := newPreCommitSandbox(t)
	sb.buildHookRepo(t)

	// Install the hook environment once, so that its cost shows apart:
	// pre-commit compiles the whole module in a directory of its own.
	start := time.Now()
	sb.mustRun(t, sb.userRepo(t, "gen-check", "gen-render"), "pre-commit", "install-hooks")
	t.Logf("pre-commit install-hooks (go install ./...) took %v", time.Since(start).Round(time.Second))

	t.Run("check", func(t *testing.T) {
		dir := sb.userRepo(t, "gen-check", "gen-render")
		if out, code := sb.preCommit(t, dir, "run", "gen-check", "--all-files"); code != 0 {
			t.Fatalf("pre-commit run gen-check on a clean tree = exit %d, want 0\n%s", code, out)
		}

		want := sb.editStale(t, dir)
		sb.mustRun(t, dir, "git", "add", preCommitStale)
		out, code := sb.preCommit(t, dir, "run", "gen-check", "--all-files")
		if code == 0 {
			t.Fatalf("pre-commit run gen-check with a stale file = exit 0, want failure\n%s", out)
		}
		for _, s := range []string{"stale: " + preCommitStale, "gen render chatbot/prod"} {
			if !strings.Contains(out, s) {
				t.Errorf("pre-commit run gen-check output does not contain %q:\n%s", s, out)
			}
		}

		sb.mustRun(t, dir, sb.gen, "render", "chatbot/prod", "--offline")
		sb.requireFile(t, dir, want)
		sb.mustRun(t, dir, "git", "add", "-A")
		if out, code := sb.preCommit(t, dir, "run", "gen-check", "--all-files"); code != 0 {
			t.Fatalf("pre-commit run gen-check after gen render = exit %d, want 0\n%s", code, out)
		}
	})

	t.Run("commit", func(t *testing.T) {
		dir := sb.userRepo(t, "gen-check", "gen-render")
		sb.mustRun(t, dir, "pre-commit", "install")
		head := sb.mustRun(t, dir, "git", "rev-parse", "HEAD")

		// The commit must hold something once rendered/ is fixed, and the
		// hook must have a reason to run: a comment changes no output.
		cue := filepath.Join(dir, "environments", "chatbot", "prod", "prod.cue")
		f, err := os.OpenFile(cue, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("\n// A comment: nothing rendered changes.\n"); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		sb.editStale(t, dir)

		out, code := sb.run(t, dir, "git", "commit", "-am", "stale")
		if code == 0 {
			t.Fatalf("git commit with a stale file = exit 0, want failure\n%s", out)
		}
		if !strings.Contains(out, "stale: "+preCommitStale) {
			t.Errorf("git commit output does not name %s:\n%s", preCommitStale, out)
		}
		if got := sb.mustRun(t, dir, "git", "rev-parse", "HEAD"); got != head {
			t.Errorf("the failed commit moved HEAD from %s to %s", head, got)
		}

		sb.mustRun(t, dir, sb.gen, "render", "chatbot/prod", "--offline")
		out, code = sb.run(t, dir, "git", "commit", "-am", "comment")
		if code != 0 {
			t.Fatalf("git commit after gen render = exit %d, want 0\n%s", code, out)
		}
		if !strings.Contains(out, "Passed") { // not "Skipped": the hook ran
			t.Errorf("git commit output does not show gen-check passing:\n%s", out)
		}
		if st := sb.mustRun(t, dir, "git", "status", "--porcelain"); st != "" {
			t.Errorf("git status after the commit:\n%s", st)
		}
	})

	t.Run("render", func(t *testing.T) {
		dir := sb.userRepo(t, "gen-check", "gen-render")
		want := sb.editStale(t, dir)
		sb.mustRun(t, dir, "git", "add", preCommitStale)

		// gen-render is opt-in: a manual stage in the user's config.
		out, code := sb.preCommit(t, dir, "run", "gen-render", "--all-files", "--hook-stage", "manual")
		if code == 0 {
			t.Fatalf("pre-commit run gen-render with a stale file = exit 0, want failure\n%s", out)
		}
		if !strings.Contains(out, "files were modified by this hook") {
			t.Errorf("pre-commit run gen-render output does not say it modified files:\n%s", out)
		}
		sb.requireFile(t, dir, want)

		sb.mustRun(t, dir, "git", "add", "-A")
		if out, code := sb.preCommit(t, dir, "run", "gen-check", "--all-files"); code != 0 {
			t.Fatalf("pre-commit run gen-check after gen-render = exit %d, want 0\n%s", code, out)
		}
		if out, code := sb.preCommit(t, dir, "run", "gen-render", "--all-files", "--hook-stage", "manual"); code != 0 {
			t.Fatalf("pre-commit run gen-render on an up-to-date tree = exit %d, want 0\n%s", code, out)
		}
	})
}

// TestPreCommitSystem runs the language: system variants of the hooks,
// gen-check-system and gen-render-system, which run the gen on PATH (here
// gen built from the working tree) and build nothing. Without a gen on
// PATH pre-commit fails the hook, saying so.
func TestPreCommitSystem(t *testing.T) {
	sb := newPreCommitSandbox(t)
	sb.buildHookRepo(t)
	dir := sb.userRepo(t, "gen-check-system", "gen-render-system")
	withGen := append(slices.Clone(sb.env), "PATH="+filepath.Dir(sb.gen)+string(os.PathListSeparator)+os.Getenv("PATH"))
	run := func(env []string, args ...string) (string, int) {
		t.Helper()
		return sb.runEnv(t, env, dir, "pre-commit", args...)
	}

	if out, code := run(withGen, "run", "gen-check-system", "--all-files"); code != 0 {
		t.Fatalf("pre-commit run gen-check-system on a clean tree = exit %d, want 0\n%s", code, out)
	}
	want := sb.editStale(t, dir)
	sb.mustRun(t, dir, "git", "add", preCommitStale)
	out, code := run(withGen, "run", "gen-check-system", "--all-files")
	if code == 0 || !strings.Contains(out, "stale: "+preCommitStale) {
		t.Errorf("pre-commit run gen-check-system with a stale file = exit %d, want failure naming %s\n%s", code, preCommitStale, out)
	}

	out, code = run(withGen, "run", "gen-render-system", "--all-files", "--hook-stage", "manual")
	if code == 0 || !strings.Contains(out, "files were modified by this hook") {
		t.Errorf("pre-commit run gen-render-system with a stale file = exit %d, want failure saying it modified files\n%s", code, out)
	}
	sb.requireFile(t, dir, want)
	sb.mustRun(t, dir, "git", "add", "-A")
	if out, code := run(withGen, "run", "gen-check-system", "--all-files"); code != 0 {
		t.Fatalf("pre-commit run gen-check-system after gen-render-system = exit %d, want 0\n%s", code, out)
	}

	// No gen on PATH: pre-commit's own message names the executable.
	noGen := append(slices.Clone(sb.env), "PATH="+pathWithout(t, "gen"))
	out, code = run(noGen, "run", "gen-check-system", "--all-files")
	if code == 0 || !strings.Contains(out, "Executable `gen` not found") {
		t.Errorf("pre-commit run gen-check-system without gen on PATH = exit %d, want failure saying \"Executable `gen` not found\"\n%s", code, out)
	}
}

// pathWithout returns $PATH less the folders that hold an executable
// named name.
func pathWithout(t *testing.T, name string) string {
	t.Helper()
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
			continue
		}
		keep = append(keep, dir)
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// TestPreCommitConfig validates this repository's pre-commit files with
// pre-commit itself.
func TestPreCommitConfig(t *testing.T) {
	sb := newPreCommitSandbox(t)
	for _, args := range [][]string{
		{"validate-config", filepath.Join(sb.root, ".pre-commit-config.yaml")},
		{"validate-manifest", filepath.Join(sb.root, ".pre-commit-hooks.yaml")},
	} {
		if out, code := sb.preCommit(t, t.TempDir(), args...); code != 0 {
			t.Errorf("pre-commit %s = exit %d, want 0\n%s", strings.Join(args, " "), code, out)
		}
	}
}

// preCommitSandbox is what the pre-commit tests share: an environment that
// keeps them offline and away from the tester's configuration and, once
// built, the hook repository and gen built from the working tree.
type preCommitSandbox struct {
	root  string   // this repository's working tree
	env   []string // for every command the tests run
	hooks string   // the hook repository
	rev   string   // its commit
	gen   string   // gen built from the working tree
}

// newPreCommitSandbox skips the test without pre-commit and git (unless
// $CI is set: CI must run it).
func newPreCommitSandbox(t *testing.T) *preCommitSandbox {
	t.Helper()
	for _, tool := range []string{"pre-commit", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; .ci/run installs it", tool)
			}
			t.Skipf("needs Debian's pre-commit and git packages: apt-get install pre-commit git (%v)", err)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// Asked of the tester's go: the caches are reused, not refilled.
	goenv, err := exec.CommandContext(t.Context(), "go", "env", "GOMODCACHE", "GOCACHE").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	caches := strings.Split(strings.TrimSpace(string(goenv)), "\n")
	if len(caches) != 2 || caches[0] == "" || caches[1] == "" {
		t.Fatalf("go env GOMODCACHE GOCACHE = %q, want two paths", goenv)
	}

	tmp := t.TempDir()
	// HOME, the XDG folders and gen's cache in tmp; the cache off, so that
	// no hook run depends on when the files it reads were written.
	sandbox, err := sandboxEnv(tmp)
	if err != nil {
		t.Fatal(err)
	}
	// gen alone in its folder, which the system hooks' test puts on PATH.
	sb := &preCommitSandbox{root: root, hooks: filepath.Join(tmp, "hooks"), gen: filepath.Join(tmp, "bin", "gen")}
	if err := os.MkdirAll(filepath.Dir(sb.gen), 0o755); err != nil {
		t.Fatal(err)
	}
	sb.env = append(sandbox,
		"PATH="+os.Getenv("PATH"),
		// pre-commit clones, builds and keeps its database here.
		"PRE_COMMIT_HOME="+filepath.Join(tmp, "pre-commit"),
		"PRE_COMMIT_COLOR=never",
		// go install ./... in pre-commit's GOPATH: modules only from the
		// cache (-mod=mod tolerates an untidy go.mod rather than failing),
		// nothing downloaded, no sum database asked, no newer toolchain.
		"GOPROXY=off",
		"GOSUMDB=off",
		"GOFLAGS=-mod=mod",
		"GOMODCACHE="+caches[0],
		"GOCACHE="+caches[1],
		"GOTOOLCHAIN=local",
		// gen check and gen render --offline ask nothing of AWS; make sure.
		"AWS_EC2_METADATA_DISABLED=true",
		"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9",
		"http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9",
		// git as if nobody had configured it.
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=gen test", "GIT_AUTHOR_EMAIL=gen@example.com",
		"GIT_COMMITTER_NAME=gen test", "GIT_COMMITTER_EMAIL=gen@example.com",
	)
	if dir := os.Getenv("TMPDIR"); dir != "" {
		sb.env = append(sb.env, "TMPDIR="+dir)
	}
	return sb
}

// buildHookRepo builds gen from the working tree and commits the hook
// repository. It skips the test with -short.
func (sb *preCommitSandbox) buildHookRepo(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped with -short: pre-commit compiles gen from scratch")
	}

	// gen for the user's side (gen render in the user repository), built
	// read-only: the working tree's go.mod must not change.
	build := append(slices.Clone(sb.env), "GOFLAGS=-mod=readonly") // the last value wins
	if out, code := sb.runEnv(t, build, ".", "go", "build", "-buildvcs=false", "-o", sb.gen, "."); code != 0 {
		t.Fatalf("go build gen = exit %d\n%s", code, out)
	}

	// The hook repository: what `go install ./...` needs, and the hooks.
	for _, name := range []string{"go.mod", "go.sum", ".pre-commit-hooks.yaml"} {
		copyForPreCommit(t, filepath.Join(sb.hooks, name), filepath.Join(sb.root, name))
	}
	for _, dir := range []string{"cmd", "generator", "internal"} {
		copyForPreCommit(t, filepath.Join(sb.hooks, dir), filepath.Join(sb.root, dir))
	}
	sb.commitAll(t, sb.hooks)
	sb.rev = sb.mustRun(t, sb.hooks, "git", "rev-parse", "HEAD")
}

// userRepo returns a new git repository holding this repository's CUE and
// rendered/, and a .pre-commit-config.yaml that uses the hook repository:
// the hook check (gen-check or gen-check-system) as users would, render
// (gen-render or gen-render-system) as an opt-in manual hook.
func (sb *preCommitSandbox) userRepo(t *testing.T, check, render string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range repoDataDirs {
		copyForPreCommit(t, filepath.Join(dir, d), filepath.Join(sb.root, d))
	}
	// Render first, so that these tests are about the hooks, not about
	// whether the working tree's rendered/ is current (make check is).
	sb.mustRun(t, dir, sb.gen, "render", "--all", "--offline")
	config := fmt.Sprintf(`repos:
  - repo: %q
    rev: %s
    hooks:
      - id: %s
      - id: %s
        stages: [manual]
`, sb.hooks, sb.rev, check, render)
	if err := os.WriteFile(filepath.Join(dir, ".pre-commit-config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	sb.commitAll(t, dir)
	return dir
}

// commitAll makes dir a git repository whose one commit holds everything.
func (sb *preCommitSandbox) commitAll(t *testing.T, dir string) {
	t.Helper()
	sb.mustRun(t, dir, "git", "-c", "init.defaultBranch=main", "init", "-q")
	sb.mustRun(t, dir, "git", "add", "-A")
	sb.mustRun(t, dir, "git", "commit", "-q", "-m", "initial")
}

// editStale appends a line to preCommitStale in dir and returns the bytes
// it held before.
func (sb *preCommitSandbox) editStale(t *testing.T, dir string) []byte {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(preCommitStale))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the test edits %s, which gen no longer renders: %v", preCommitStale, err)
	}
	if err := os.WriteFile(path, append(bytes.Clone(data), "# edited by hand\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// requireFile fails unless preCommitStale in dir holds want.
func (sb *preCommitSandbox) requireFile(t *testing.T, dir string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(preCommitStale)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s after rendering:\n%s\nwant:\n%s", preCommitStale, got, want)
	}
}

// preCommit runs pre-commit in dir and returns its output and exit code.
func (sb *preCommitSandbox) preCommit(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	return sb.run(t, dir, "pre-commit", args...)
}

// mustRun runs a command in dir, fails the test unless it exits 0, and
// returns its output with surrounding space trimmed.
func (sb *preCommitSandbox) mustRun(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out, code := sb.run(t, dir, name, args...)
	if code != 0 {
		t.Fatalf("%s %s = exit %d\n%s", name, strings.Join(args, " "), code, out)
	}
	return strings.TrimSpace(out)
}

// run runs a command in dir with the sandbox's environment and returns
// its combined output and exit code.
func (sb *preCommitSandbox) run(t *testing.T, dir, name string, args ...string) (string, int) {
	t.Helper()
	return sb.runEnv(t, sb.env, dir, name, args...)
}

// runEnv runs a command and returns its combined output and exit code. It
// fails the test if the command cannot run or takes too long: ten minutes,
// or until shortly before the test's deadline, so that the output is still
// printed.
func (sb *preCommitSandbox) runEnv(t *testing.T, env []string, dir, name string, args ...string) (string, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-30*time.Second).Before(deadline) {
		deadline = d.Add(-30 * time.Second)
	}
	ctx, cancel := context.WithDeadline(t.Context(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), ctx.Err(), out.String())
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), 0
}

// copyForPreCommit copies the file or tree src to dst, leaving out test
// binaries and other build leftovers that .gitignore keeps out of commits.
func copyForPreCommit(t *testing.T, dst, src string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch name := d.Name(); {
		case strings.HasPrefix(name, ".gen-") && d.IsDir(): // an interrupted write
			return filepath.SkipDir
		case strings.HasSuffix(name, ".test"), strings.HasSuffix(name, ".out"), strings.HasPrefix(name, ".gen-"):
			return nil
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file", path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
