package generator_test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/internal/repotest"
)

// kubeScoreException is one row of policies/kube-score.md: a kube-score
// check that may report critical on the objects it names, and why.
type kubeScoreException struct {
	check, envs, objects string // envs and objects are path.Match patterns
	line                 int
	used                 bool
}

// readKubeScoreExceptions parses the exceptions table of
// policies/kube-score.md: rows of the form
// | `check-id` | `env glob` | `Kind/namespace/name glob` | why |.
func readKubeScoreExceptions(t *testing.T, file string) []*kubeScoreException {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*kubeScoreException
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 4 {
			t.Fatalf("%s:%d: want | check | environments | objects | why |", file, n)
		}
		cell := func(i int) string { return strings.Trim(strings.TrimSpace(cells[i]), "`") }
		if strings.TrimSpace(cells[3]) == "" {
			t.Fatalf("%s:%d: an exception needs a reason", file, n)
		}
		out = append(out, &kubeScoreException{check: cell(0), envs: cell(1), objects: cell(2), line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no exception rows", file)
	}
	return out
}

func (e *kubeScoreException) matches(env, check, object string) bool {
	// A pattern matches an environment's full name (chatbot/staging) or
	// its folder's own (staging: every platform's).
	envOK, _ := path.Match(e.envs, env)
	if !envOK {
		envOK, _ = path.Match(e.envs, path.Base(env))
	}
	objOK, _ := path.Match(e.objects, object)
	return e.check == check && envOK && objOK
}

// TestKubeScore runs kube-score (tools/kube-score.mod pins it; its
// k8s.io modules are older than this module's, so it cannot be a tool of
// go.mod) over the pods and policies of every committed environment,
// rendered/<env>/platform and rendered/<env>/apps, and fails on every
// critical finding that policies/kube-score.md does not explain, and on
// every exception there that no longer matches a finding.
func TestKubeScore(t *testing.T) {
	root, err := repotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	exceptions := readKubeScoreExceptions(t, filepath.Join(root, "policies", "kube-score.md"))

	bin := filepath.Join(t.TempDir(), "kube-score")
	build := exec.Command("go", "build", "-modfile="+filepath.Join(root, "tools", "kube-score.mod"),
		"-o", bin, "github.com/zegl/kube-score/cmd/kube-score")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building kube-score: %v\n%s", err, out)
	}

	// Every environment of every platform, so that one moved in is scored.
	envs, err := generator.Environments(root)
	if err != nil {
		t.Fatal(err)
	}
	scored := 0
	for _, env := range envs {
		var files []string
		for _, dir := range []string{"platform", "apps"} {
			err := filepath.WalkDir(filepath.Join(root, "rendered", env, dir), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
					files = append(files, p)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(files) == 0 {
			t.Fatalf("rendered/%s: no platform or apps files", env)
		}
		slices.Sort(files)
		// kube-score exits 1 when it reports a critical finding: read
		// the report, not the exit code.
		cmd := exec.Command(bin, append([]string{"score", "-o", "json"}, files...)...)
		cmd.Stderr = os.Stderr
		out, _ := cmd.Output()
		var report []struct {
			TypeMeta struct {
				Kind string `json:"kind"`
			} `json:"type_meta"`
			ObjectMeta struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"object_meta"`
			Checks []struct {
				Check struct {
					ID string `json:"id"`
				} `json:"check"`
				Grade    int  `json:"grade"`
				Skipped  bool `json:"skipped"`
				Comments []struct {
					Path, Summary string
				} `json:"comments"`
			} `json:"checks"`
		}
		if err := json.Unmarshal(out, &report); err != nil {
			t.Fatalf("rendered/%s: kube-score's report: %v\n%s", env, err, out)
		}
		for _, obj := range report {
			scored++
			object := obj.TypeMeta.Kind + "/" + obj.ObjectMeta.Namespace + "/" + obj.ObjectMeta.Name
			for _, c := range obj.Checks {
				const critical = 1 // kube-score's GradeCritical
				if c.Skipped || c.Grade > critical {
					continue
				}
				i := slices.IndexFunc(exceptions, func(e *kubeScoreException) bool {
					return e.matches(env, c.Check.ID, object)
				})
				if i >= 0 {
					exceptions[i].used = true
					continue
				}
				for _, cm := range c.Comments {
					t.Errorf("rendered/%s: %s: %s: critical: %s %s", env, object, c.Check.ID, cm.Path, cm.Summary)
				}
				if len(c.Comments) == 0 {
					t.Errorf("rendered/%s: %s: %s: critical", env, object, c.Check.ID)
				}
			}
		}
	}
	if scored == 0 {
		t.Fatal("kube-score scored no object")
	}
	for _, e := range exceptions {
		if !e.used {
			t.Errorf("policies/kube-score.md:%d: exception %s %s %s matches no critical finding: remove it", e.line, e.check, e.envs, e.objects)
		}
	}
}
