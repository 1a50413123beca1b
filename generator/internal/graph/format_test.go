package graph

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// small has a node of each kind and an edge of each style; the IDs
// app/a/b-c and app/a-b/c make the same Mermaid ID.
var small = &Graph{
	Env: "chatbot/prod",
	Nodes: []Node{
		{ID: "alb/web", Kind: KindALB, Label: []string{"ALB web", `say "hi"`}},
		{ID: "app/a-b/c", Kind: KindApp, Namespace: "a-b", Label: []string{"c", "Deployment"}},
		{ID: "app/a/b-c", Kind: KindApp, Namespace: "a", Label: []string{"b-c", "StatefulSet"}},
		{ID: "external/10.0.0.0/8", Kind: KindExternal, Label: []string{"db", "10.0.0.0/8"}},
		{ID: "platform/a/prometheus", Kind: KindPlatform, Namespace: "a", Label: []string{"Prometheus"}},
	},
	Edges: []Edge{
		{From: "alb/web", To: "app/a-b/c", Kind: EdgeEntry, Ports: []string{"web.example.com/ → 80"}, Allowed: true},
		{From: "app/a-b/c", To: "app/a/b-c", Kind: EdgeCall, Ports: []string{"5432"}, DependsOn: true, Allowed: true},
		{From: "app/a-b/c", To: "external/10.0.0.0/8", Kind: EdgeEgress, Ports: []string{"5432", "53/UDP"}, Allowed: true},
		{From: "app/a/b-c", To: "app/a-b/c", Kind: EdgeCall, DependsOn: true},
		{From: "platform/a/prometheus", To: "app/a/b-c", Kind: EdgeCall, Ports: []string{"9100"}, Allowed: true},
	},
}

func TestWrite(t *testing.T) {
	for _, tt := range []struct {
		format string
		want   string
	}{{
		format: FormatDOT,
		want: `digraph "chatbot/prod" {
	graph [rankdir=LR, fontname="Helvetica", fontsize=12, label="environment chatbot/prod", labelloc=t, nodesep=0.3, ranksep=1.2];
	node [fontname="Helvetica", fontsize=10, shape=box, style=rounded];
	edge [fontname="Helvetica", fontsize=9];

	subgraph "cluster_a" {
		label="namespace a";
		style=rounded;
		color="#999999";
		"app/a/b-c" [label="b-c\nStatefulSet"];
		"platform/a/prometheus" [label="Prometheus", style="rounded,filled", fillcolor="#eeeeee"];
	}

	subgraph "cluster_a-b" {
		label="namespace a-b";
		style=rounded;
		color="#999999";
		"app/a-b/c" [label="c\nDeployment"];
	}

	"alb/web" [label="ALB web\nsay \"hi\"", shape=invhouse, color="#1a73e8", fontcolor="#1a73e8"];
	"external/10.0.0.0/8" [label="db\n10.0.0.0/8", shape=box, style=dashed, color="#555555"];

	"alb/web" -> "app/a-b/c" [label="web.example.com/ → 80", color="#1a73e8"];
	"app/a-b/c" -> "app/a/b-c" [label="5432\ndependsOn", penwidth=2];
	"app/a-b/c" -> "external/10.0.0.0/8" [label="5432\n53/UDP", style=dashed, color="#555555"];
	"app/a/b-c" -> "app/a-b/c" [label="no NetworkPolicy allows it\ndependsOn", color=red, fontcolor=red, style=dashed, penwidth=2];
	"platform/a/prometheus" -> "app/a/b-c" [label="9100", style=dotted];
}
`,
	}, {
		format: FormatMermaid,
		want: `flowchart LR
  subgraph ns_a["namespace a"]
    app_a_b_c_2("b-c<br/>StatefulSet")
    platform_a_prometheus[["Prometheus"]]
  end
  subgraph ns_a_b["namespace a-b"]
    app_a_b_c("c<br/>Deployment")
  end
  alb_web[/"ALB web<br/>say #quot;hi#quot;"\]
  external_10_0_0_0_8[("db<br/>10.0.0.0/8")]
  alb_web -->|"web.example.com/ → 80"| app_a_b_c
  app_a_b_c ==>|"5432<br/>dependsOn"| app_a_b_c_2
  app_a_b_c -.->|"5432<br/>53/UDP"| external_10_0_0_0_8
  app_a_b_c_2 -.->|"no NetworkPolicy allows it<br/>dependsOn"| app_a_b_c
  platform_a_prometheus -.->|"9100"| app_a_b_c_2
  linkStyle 0 stroke:#1a73e8
  linkStyle 3 stroke:red,color:red
`,
	}} {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := small.Write(&b, tt.format); err != nil {
				t.Fatal(err)
			}
			// The legend comes first, then the graph.
			got := b.String()
			i := strings.Index(got, "digraph")
			if tt.format == FormatMermaid {
				i = strings.Index(got, "flowchart")
			}
			if i < 0 || !strings.Contains(got[:i], "environment chatbot/prod") {
				t.Fatalf("Write(%s) has no legend naming the environment:\n%s", tt.format, got)
			}
			if diff := cmp.Diff(tt.want, got[i:]); diff != "" {
				t.Errorf("Write(%s) mismatch (-want +got):\n%s", tt.format, diff)
			}
		})
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := small.Write(&bytes.Buffer{}, "svg")
	if want := `unknown graph format "svg" (formats: dot, mermaid)`; err == nil || err.Error() != want {
		t.Errorf("Write(svg) = %v, want %s", err, want)
	}
}
