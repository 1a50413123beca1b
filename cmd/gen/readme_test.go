package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// README's how-to sections are tests: every example between
//
//	<!-- example NAME -->
//	...
//	<!-- /example -->
//
// runs, in order, on a copy of the repository (its cue.mod/, schema/,
// environments/, policies/ and rendered/), with gen as users run it and a
// local registry that has every image. Its fenced blocks are:
//
//   - ```cue, whose first line names the file: "// environments/web.cue"
//     writes the block (the comment included) as that file, which must
//     not exist; "// in environments/prod/prod.cue" adds the block to the
//     end of that file, which must exist (CUE unifies the two).
//   - ```sh: each line is a command run by sh in the repository, which
//     must exit 0; a line ending in "# exits N" (or "# exits N: why")
//     must exit N; any other trailing comment is the shell's. Lines
//     starting with # are comments; "bin/gen" is gen.
//
// Any other block (```text output, ```yaml) is prose and is not run. An
// example whose prose starts from another repository than this one, or
// promises more than its commands check, has testscript of its own in
// exampleStart and exampleEnd. A README example that fails is a newcomer
// who fails: fix the README or gen, never the test. TestReadmeHowToRuns
// keeps how-to sections from showing CUE or commands that no example
// runs.
func TestReadmeExamples(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := parseExamples(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) == 0 {
		t.Fatal("README.md has no <!-- example NAME --> sections")
	}
	dir := t.TempDir()
	for _, ex := range examples {
		ex.start, ex.end = exampleStart[ex.name], exampleEnd[ex.name]
		script, err := ex.script()
		if err != nil {
			t.Fatalf("README.md:%d: example %s: %v", ex.line, ex.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, ex.name+".txtar"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			for _, d := range []string{"cue.mod", "schema", "environments", "policies", "rendered"} {
				if err := os.CopyFS(filepath.Join(env.WorkDir, d), os.DirFS(filepath.Join(repo, d))); err != nil {
					return fmt.Errorf("copying %s: %w", d, err)
				}
			}
			return scriptSetup(env)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"appendfile": cmdAppendFile,
			"newfile":    cmdNewFile,
		},
	})
}

// exampleStart holds, for an example that does not start from this
// repository as it is, the commands that make the repository its prose
// starts from (testscript, run before the example's own).
var exampleStart = map[string]string{
	// "A repository with environments/{dev,staging,prod}", rendered and
	// committed: the chatbot platform as a repository of its own.
	"move-to-platforms": `# A repository of one platform, rendered and committed.
exec sh -c 'mv environments/chatbot chatbot && rm -r environments rendered && mv chatbot environments'
exec gen render --all --offline
exists rendered/prod/argocd/application-root.yaml
env GIT_AUTHOR_NAME=gen GIT_AUTHOR_EMAIL=gen@example.com GIT_COMMITTER_NAME=gen GIT_COMMITTER_EMAIL=gen@example.com
exec git init -q
exec git add -A
exec git commit -q -m 'One platform'
`,
}

// exampleEnd holds, for an example whose prose says what it leaves
// behind beyond what its commands check, the checks of it (testscript,
// run after the example's own commands).
var exampleEnd = map[string]string{
	"add-platform": `# What README says gen render shop wrote.
exists environments/shop/dev/images.lock.json environments/shop/prod/images.lock.json
exists rendered/shop/dev/argocd/application-root.yaml rendered/shop/prod/argocd/application-root.yaml
grep 'path: rendered/shop/prod/argocd' rendered/shop/prod/argocd/application-root.yaml
`,
	"objectives": `# What README says the render wrote.
exists rendered/chatbot/prod/apps/web/servicemonitor-web.yaml
exists rendered/chatbot/prod/apps/web/prometheusrule-web.yaml
exists rendered/chatbot/prod/apps/web/alertmanagerconfig-web.yaml
`,
	"delivery-canary": `# What README says gen renders for a delivery.
exists rendered/chatbot/prod/apps/web/rollout-web.yaml
exists rendered/chatbot/prod/apps/web/analysistemplate-web.yaml
! grep '^  replicas:' rendered/chatbot/prod/apps/web/deployment-web.yaml
`,
	"secret-store": `# What README says the render wrote, before the refused key.
exists rendered/chatbot/prod/secrets/web/secretstore-web.yaml
exists rendered/chatbot/prod/secrets/web/externalsecret-web-db.yaml
`,
	"expose-alb": `# What README says the render wrote, before the refused path.
exists rendered/chatbot/prod/apps/web/ingress-web.yaml
exists rendered/chatbot/prod/ingress/ingressclass-alb-web.yaml
`,
	"move-to-platforms": `# What README says the move leaves: only the platform's folders, committed.
! exists rendered/prod
! exists environments/prod
exists rendered/chatbot/prod/argocd/application-root.yaml
grep 'path: rendered/chatbot/prod/argocd' rendered/chatbot/prod/argocd/application-root.yaml
exec git status --porcelain
! stdout .
`,
}

// example is one <!-- example NAME --> section of README.md.
type example struct {
	name   string
	line   int // of the opening comment
	blocks []block
	// start and end are testscript run before and after the example's
	// commands (exampleStart, exampleEnd).
	start, end string
}

// block is a fenced block of an example.
type block struct {
	lang string
	line int // of the opening fence
	body []string
}

var (
	exampleOpen  = regexp.MustCompile(`^<!-- example ([a-z0-9-]+) -->$`)
	exampleClose = "<!-- /example -->"
	exitsSuffix  = regexp.MustCompile(`\s+# exits (\d+)(:.*)?$`)
)

// parseExamples returns README's examples in order.
func parseExamples(readme string) ([]example, error) {
	var (
		out   []example
		cur   *example
		fence *block
		names = map[string]bool{}
	)
	sc := bufio.NewScanner(strings.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if fence != nil {
			if strings.TrimSpace(line) == "```" {
				cur.blocks = append(cur.blocks, *fence)
				fence = nil
				continue
			}
			fence.body = append(fence.body, line)
			continue
		}
		switch m := exampleOpen.FindStringSubmatch(line); {
		case m != nil:
			if cur != nil {
				return nil, fmt.Errorf("README.md:%d: example %s opens inside example %s (line %d)", n, m[1], cur.name, cur.line)
			}
			if names[m[1]] {
				return nil, fmt.Errorf("README.md:%d: a second example named %s", n, m[1])
			}
			names[m[1]] = true
			cur = &example{name: m[1], line: n}
		case line == exampleClose:
			if cur == nil {
				return nil, fmt.Errorf("README.md:%d: %s outside an example", n, exampleClose)
			}
			out = append(out, *cur)
			cur = nil
		case cur != nil && strings.HasPrefix(line, "```"):
			fence = &block{lang: strings.TrimPrefix(line, "```"), line: n}
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: example %s is never closed with %s", cur.line, cur.name, exampleClose)
	}
	return out, sc.Err()
}

// script returns the example as a testscript.
func (ex example) script() (string, error) {
	var b, archive strings.Builder
	b.WriteString(ex.start)
	files := 0
	for _, bl := range ex.blocks {
		switch bl.lang {
		case "cue":
			if len(bl.body) == 0 {
				return "", fmt.Errorf("README.md:%d: empty cue block", bl.line)
			}
			first := strings.TrimSpace(bl.body[0])
			target, ok := strings.CutPrefix(first, "// ")
			if !ok || !strings.HasSuffix(target, ".cue") {
				return "", fmt.Errorf("README.md:%d: a cue block of an example starts with the file it goes in (// environments/web.cue, or // in environments/prod/prod.cue), not %q", bl.line, first)
			}
			cmd := "newfile"
			if p, ok := strings.CutPrefix(target, "in "); ok {
				cmd, target = "appendfile", p
			}
			// The blocks wait in a folder of their own: a .cue file of
			// package environments at the repository root would be
			// unified into every environment.
			name := fmt.Sprintf(".readme/block%d.cue", files)
			files++
			fmt.Fprintf(&b, "# README.md:%d\n%s %s %s\n", bl.line, cmd, name, target)
			fmt.Fprintf(&archive, "-- %s --\n%s\n", name, strings.Join(bl.body, "\n"))
		case "sh":
			for i, line := range bl.body {
				line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "$ "))
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				code := 0
				if m := exitsSuffix.FindStringSubmatch(line); m != nil {
					code, _ = strconv.Atoi(m[1])
					line = strings.TrimSuffix(line, m[0])
				}
				line = strings.ReplaceAll(line, "bin/gen ", "gen ")
				fmt.Fprintf(&b, "# README.md:%d\n", bl.line+1+i)
				switch code {
				case 0:
					fmt.Fprintf(&b, "exec sh -c %s\n", quoteScript(line))
				default:
					// sh -c exits with the command's status; the status
					// itself is checked by a second sh.
					fmt.Fprintf(&b, "exec sh -c %s\n", quoteScript(fmt.Sprintf("%s; test $? -eq %d", line, code)))
				}
			}
		}
	}
	b.WriteString(ex.end)
	return b.String() + archive.String(), nil
}

// quoteScript quotes s as one testscript argument.
func quoteScript(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// cmdNewFile writes the archive file SRC as DST, which must not exist.
//
//	newfile SRC DST
func cmdNewFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: newfile SRC DST")
	}
	dst := ts.MkAbs(args[1])
	if _, err := os.Lstat(dst); err == nil {
		ts.Fatalf("%s exists: the example says it is a new file (use // in %s to add to it)", args[1], args[1])
	}
	ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
	ts.Check(os.WriteFile(dst, []byte(ts.ReadFile(args[0])), 0o644))
}

// cmdAppendFile adds the archive file SRC to the end of DST, which must
// exist.
//
//	appendfile SRC DST
func cmdAppendFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: appendfile SRC DST")
	}
	dst := ts.MkAbs(args[1])
	old, err := os.ReadFile(dst)
	if err != nil {
		ts.Fatalf("the example adds to %s: %v", args[1], err)
	}
	ts.Check(os.WriteFile(dst, append(append(old, '\n'), ts.ReadFile(args[0])...), 0o644))
}

func TestParseExamples(t *testing.T) {
	readme := "intro\n```sh\nnot run\n```\n<!-- example add-web -->\nText.\n```cue\n// environments/web.cue\napps: web: {}\n```\n```cue\n// in environments/prod/prod.cue\napps: web: replicas: 3\n```\n```sh\n# a comment\n$ gen render --all\nbin/gen check prod   # exits 1\ngen diff   # exits 2: why\n```\n```text\noutput\n```\n<!-- /example -->\n"
	exs, err := parseExamples(readme)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 1 || exs[0].name != "add-web" || len(exs[0].blocks) != 4 {
		t.Fatalf("parsed %+v", exs)
	}
	got, err := exs[0].script()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"newfile .readme/block0.cue environments/web.cue\n",
		"appendfile .readme/block1.cue environments/prod/prod.cue\n",
		"exec sh -c 'gen render --all'\n",
		"exec sh -c 'gen check prod; test $? -eq 1'\n",
		"exec sh -c 'gen diff; test $? -eq 2'\n",
		"-- .readme/block0.cue --\n// environments/web.cue\napps: web: {}\n",
		"-- .readme/block1.cue --\n// in environments/prod/prod.cue\napps: web: replicas: 3\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("script lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "output") || strings.Contains(got, "not run") {
		t.Errorf("script runs prose blocks:\n%s", got)
	}

	for _, bad := range []struct{ readme, want string }{
		{"<!-- example a -->\n", "never closed"},
		{"<!-- /example -->\n", "outside an example"},
		{"<!-- example a -->\n<!-- example b -->\n", "opens inside"},
		{"<!-- example a -->\n<!-- /example -->\n<!-- example a -->\n<!-- /example -->\n", "second example"},
	} {
		if _, err := parseExamples(bad.readme); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("parseExamples(%q) = %v, want an error with %q", bad.readme, err, bad.want)
		}
	}
	exs, err = parseExamples("<!-- example a -->\n```cue\napps: web: {}\n```\n<!-- /example -->\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exs[0].script(); err == nil || !strings.Contains(err.Error(), "starts with the file") {
		t.Errorf("a cue block without its file: %v", err)
	}
}

// readmeReference lists README's sections that are reference, not
// how-to: their ```cue and ```sh blocks show what a command or setting
// is, or how to install and develop gen, and are not examples. Every
// other section's ```cue and ```sh blocks must be in an example, or say
// why not right above the block: <!-- not an example: reason -->.
var readmeReference = map[string]string{
	"The two commands":         "make targets of a clone of gen, run by its own CI",
	"Install":                  "installs gen, with docker and go install",
	"Versions and what breaks": "release policy",
	"A tour":                   "the layout",
	"Commands":                 "the command reference",
	"Shell completion":         "writes into the user's shell configuration",
	"Exit codes":               "reference",
	"Guarantees":               "what gen promises; its one snippet is the syntax of an allowance",
	"Performance":              "measurements",
	"As a Go library":          "Go; its runnable examples are generator/example_test.go",
	"Development":              "make targets of a clone of gen",
}

var (
	notAnExample = regexp.MustCompile(`^<!-- not an example: \S.* -->$`)
	readmeHeader = regexp.MustCompile(`^#{1,3} (.+)$`)
)

// unrunBlocks returns, for each ```cue or ```sh block of a how-to
// section of readme that is neither in an example nor marked as not one,
// its line and section.
func unrunBlocks(readme string, reference map[string]string) []string {
	var (
		out      []string
		section  string
		inFence  bool
		inEx     bool
		previous string // the last non-blank line before a fence
	)
	for n, line := range strings.Split(readme, "\n") {
		trimmed := strings.TrimSpace(line)
		if inFence {
			if trimmed == "```" {
				inFence = false
			}
			continue
		}
		switch {
		case strings.HasPrefix(trimmed, "```"):
			inFence = true
			lang := strings.TrimPrefix(trimmed, "```")
			if (lang == "cue" || lang == "sh") && !inEx && !notAnExample.MatchString(previous) {
				if _, ok := reference[section]; !ok {
					out = append(out, fmt.Sprintf("README.md:%d: a ```%s block of section %q is in no example: mark it <!-- example NAME --> … <!-- /example --> so that it runs, or say why not in <!-- not an example: reason --> right above it", n+1, lang, section))
				}
			}
		case exampleOpen.MatchString(line):
			inEx = true
		case line == exampleClose:
			inEx = false
		default:
			if m := readmeHeader.FindStringSubmatch(line); m != nil {
				section = m[1]
			}
		}
		if trimmed != "" {
			previous = trimmed
		}
	}
	return out
}

func TestUnrunBlocks(t *testing.T) {
	readme := "# Title\n```sh\nmake\n```\n## Install\n```sh\n# not a heading\ngo install\n```\n" +
		"## How to\n```sh\ngen render\n```\n```yaml\na: b\n```\n<!-- example a -->\n```cue\n// environments/a.cue\n```\n<!-- /example -->\n" +
		"<!-- not an example: needs a cluster -->\n\n```sh\nkubectl apply\n```\n### Deeper\n  ```cue\napps: {}\n  ```\n"
	got := unrunBlocks(readme, map[string]string{"Title": "", "Install": ""})
	want := []string{`README.md:11: a ` + "```sh" + ` block of section "How to"`, `README.md:28: a ` + "```cue" + ` block of section "Deeper"`}
	if len(got) != len(want) {
		t.Fatalf("unrunBlocks = %q, want %d problems", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
}

// TestReadmeHowToRuns fails when a how-to section of README shows CUE or
// commands that no example runs and that do not say why.
func TestReadmeHowToRuns(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, line := range strings.Split(string(readme), "\n") {
		if m := readmeHeader.FindStringSubmatch(line); m != nil {
			sections[m[1]] = true
		}
	}
	for s := range readmeReference {
		if !sections[s] {
			t.Errorf("readmeReference lists section %q, which README.md no longer has", s)
		}
	}
	for _, p := range unrunBlocks(string(readme), readmeReference) {
		t.Error(p)
	}
}
