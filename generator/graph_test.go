package generator_test

import (
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/internal/golden"
)

// graphsDir is where "make graph" writes each environment's graph.
const graphsDir = "docs/graph"

// drawGraph returns env's graph of the default environments in format.
func drawGraph(t *testing.T, env, format string) []byte {
	t.Helper()
	g, _, err := generator.Graph(context.Background(), generator.Options{Root: repoRoot}, env)
	if err != nil {
		t.Fatalf("Graph(%s): %v", env, err)
	}
	if p := g.Problems(); len(p) > 0 {
		t.Errorf("Graph(%s) has edges no NetworkPolicy allows:\n%s", env, strings.Join(p, "\n"))
	}
	var b bytes.Buffer
	if err := g.Write(&b, format); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGraphGolden is the golden test of "gen graph prod" in each format:
// testdata/graph/prod.dot and prod.mmd.
func TestGraphGolden(t *testing.T) {
	for _, format := range generator.GraphFormats {
		path := filepath.Join("testdata", "graph", filepath.FromSlash(generator.GraphFile("chatbot/prod", format)))
		golden.Check(t, path, drawGraph(t, "chatbot/prod", format), "run go test ./generator -update")
	}
}

// TestCommittedGraphs checks that docs/graph/ holds exactly the graph
// "gen graph" draws of each environment, as DOT (like the rendered/
// check): the committed pictures cannot drift from the policies.
func TestCommittedGraphs(t *testing.T) {
	envs, err := generator.Environments(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(repoRoot, graphsDir)
	var want []string
	for _, env := range envs {
		name := generator.GraphFile(env, "dot")
		want = append(want, name)
		golden.Check(t, filepath.Join(dir, filepath.FromSlash(name)), drawGraph(t, env, "dot"), "run make graph")
	}
	if golden.Update() {
		return
	}
	var got []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".dot") {
			rel, _ := filepath.Rel(dir, path)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range slices.DeleteFunc(got, func(f string) bool { return slices.Contains(want, f) }) {
		t.Errorf("%s/%s is the graph of no environment: remove it", graphsDir, extra)
	}
}

func TestGraphFile(t *testing.T) {
	for _, tt := range []struct{ env, format, want string }{
		{"prod", "dot", "prod.dot"},
		{"prod", "mermaid", "prod.mmd"},
		{"chatbot/prod", "dot", "chatbot/prod.dot"},
	} {
		if got := generator.GraphFile(tt.env, tt.format); got != tt.want {
			t.Errorf("GraphFile(%q, %q) = %q, want %q", tt.env, tt.format, got, tt.want)
		}
	}
}
