package graph

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Formats a graph is written in.
const (
	FormatDOT     = "dot"
	FormatMermaid = "mermaid"
)

// Formats are the formats Write takes, sorted.
var Formats = []string{FormatDOT, FormatMermaid}

// Ext returns the file name extension of format, with its dot.
func Ext(format string) string {
	if format == FormatMermaid {
		return ".mmd"
	}
	return "." + format
}

// Write writes g in format (FormatDOT or FormatMermaid).
func (g *Graph) Write(w io.Writer, format string) error {
	bw := bufio.NewWriter(w)
	switch format {
	case FormatDOT:
		g.dot(bw)
	case FormatMermaid:
		g.mermaid(bw)
	default:
		return fmt.Errorf("unknown graph format %q (formats: %s)", format, strings.Join(Formats, ", "))
	}
	return bw.Flush()
}

// namespaces returns the namespaces of g's nodes, sorted, with their
// nodes, and the nodes outside any namespace.
func (g *Graph) namespaces() (map[string][]Node, []Node) {
	byNS := map[string][]Node{}
	var outside []Node
	for _, n := range g.Nodes {
		if n.Namespace == "" {
			outside = append(outside, n)
			continue
		}
		byNS[n.Namespace] = append(byNS[n.Namespace], n)
	}
	return byNS, outside
}

// edgeLabel returns an edge's lines.
func edgeLabel(e Edge) []string {
	lines := slices.Clone(e.Ports)
	if !e.Allowed {
		if e.Kind == EdgeEntry {
			lines = append(lines, "not admitted by its NetworkPolicies")
		} else {
			lines = append(lines, "no NetworkPolicy allows it")
		}
	}
	if e.DependsOn {
		lines = append(lines, "dependsOn")
	}
	return lines
}

const legend = `The dependency graph of environment %s, written by gen graph: the apps by
namespace; arrows between pods are the traffic the rendered NetworkPolicies
allow, with the destination's ports (thick: a dependsOn; dotted: from a
platform component such as Prometheus); load balancers with their routes;
dashed arrows to the address ranges outside the cluster the apps may reach.
Red and dashed: a dependsOn, networkPolicy.from, declared egress or load
balancer route that the policies do not allow. DNS (every pod reaches
kube-dns) is not drawn.`

func comment(prefix, text string) string {
	return prefix + strings.ReplaceAll(text, "\n", "\n"+prefix) + "\n"
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func dotLabel(lines []string) string {
	return dotQuote(strings.Join(lines, "\n"))
}

// dotNodeAttrs are a node's attributes besides its label.
var dotNodeAttrs = map[string]string{
	KindApp:      "",
	KindPlatform: `, style="rounded,filled", fillcolor="#eeeeee"`,
	KindALB:      `, shape=invhouse, color="#1a73e8", fontcolor="#1a73e8"`,
	KindNLB:      `, shape=invhouse, color="#1a73e8", fontcolor="#1a73e8"`,
	KindExternal: `, shape=box, style=dashed, color="#555555"`,
}

func (g *Graph) dot(w *bufio.Writer) {
	w.WriteString(comment("// ", fmt.Sprintf(legend, g.Env)))
	fmt.Fprintf(w, "digraph %s {\n", dotQuote(g.Env))
	fmt.Fprintf(w, "\tgraph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, label=%s, labelloc=t, nodesep=0.3, ranksep=1.2];\n", dotQuote("environment "+g.Env))
	w.WriteString("\tnode [fontname=\"Helvetica\", fontsize=10, shape=box, style=rounded];\n")
	w.WriteString("\tedge [fontname=\"Helvetica\", fontsize=9];\n")
	byNS, outside := g.namespaces()
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		fmt.Fprintf(w, "\n\tsubgraph %s {\n\t\tlabel=%s;\n\t\tstyle=rounded;\n\t\tcolor=\"#999999\";\n", dotQuote("cluster_"+ns), dotQuote("namespace "+ns))
		for _, n := range byNS[ns] {
			fmt.Fprintf(w, "\t\t%s [label=%s%s];\n", dotQuote(n.ID), dotLabel(n.Label), dotNodeAttrs[n.Kind])
		}
		w.WriteString("\t}\n")
	}
	if len(outside) > 0 {
		w.WriteString("\n")
	}
	for _, n := range outside {
		fmt.Fprintf(w, "\t%s [label=%s%s];\n", dotQuote(n.ID), dotLabel(n.Label), dotNodeAttrs[n.Kind])
	}
	if len(g.Edges) > 0 {
		w.WriteString("\n")
	}
	kinds := map[string]string{}
	for _, n := range g.Nodes {
		kinds[n.ID] = n.Kind
	}
	for _, e := range g.Edges {
		var attrs string
		switch {
		case !e.Allowed:
			attrs = `, color=red, fontcolor=red, style=dashed`
		case e.Kind == EdgeEntry:
			attrs = `, color="#1a73e8"`
		case e.Kind == EdgeEgress:
			attrs = `, style=dashed, color="#555555"`
		case kinds[e.From] == KindPlatform:
			attrs = `, style=dotted`
		}
		if e.DependsOn {
			attrs += `, penwidth=2`
		}
		fmt.Fprintf(w, "\t%s -> %s [label=%s%s];\n", dotQuote(e.From), dotQuote(e.To), dotLabel(edgeLabel(e)), attrs)
	}
	w.WriteString("}\n")
}

// mermaidIDs returns each node's Mermaid ID: its ID with every character
// other than a letter or digit made "_", and, where two IDs would then be
// the same, a number added in the order of the IDs.
func (g *Graph) mermaidIDs() map[string]string {
	ids, used := map[string]string{}, map[string]bool{}
	for _, n := range g.Nodes {
		base := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, n.ID)
		id := base
		for i := 2; used[id]; i++ {
			id = base + "_" + strconv.Itoa(i)
		}
		ids[n.ID], used[id] = id, true
	}
	return ids
}

func mermaidText(lines []string) string {
	return `"` + strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(strings.Join(lines, "\n")) + `"`
}

func mermaidLabel(lines []string) string {
	return strings.ReplaceAll(mermaidText(lines), "\n", "<br/>")
}

// mermaidShapes open and close a node's shape.
var mermaidShapes = map[string][2]string{
	KindApp:      {"(", ")"},
	KindPlatform: {"[[", "]]"},
	KindALB:      {"[/", "\\]"},
	KindNLB:      {"[/", "\\]"},
	KindExternal: {"[(", ")]"},
}

func (g *Graph) mermaid(w *bufio.Writer) {
	w.WriteString(comment("%% ", fmt.Sprintf(legend, g.Env)))
	w.WriteString("flowchart LR\n")
	ids := g.mermaidIDs()
	byNS, outside := g.namespaces()
	node := func(indent string, n Node) {
		s := mermaidShapes[n.Kind]
		fmt.Fprintf(w, "%s%s%s%s%s\n", indent, ids[n.ID], s[0], mermaidLabel(n.Label), s[1])
	}
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		nsID := "ns_" + strings.ReplaceAll(strings.ReplaceAll(ns, "-", "_"), ".", "_")
		fmt.Fprintf(w, "  subgraph %s[%s]\n", nsID, mermaidText([]string{"namespace " + ns}))
		for _, n := range byNS[ns] {
			node("    ", n)
		}
		w.WriteString("  end\n")
	}
	for _, n := range outside {
		node("  ", n)
	}
	kinds := map[string]string{}
	for _, n := range g.Nodes {
		kinds[n.ID] = n.Kind
	}
	var red, blue []string
	for i, e := range g.Edges {
		arrow := "-->"
		switch {
		case !e.Allowed:
			arrow = "-.->"
			red = append(red, strconv.Itoa(i))
		case e.DependsOn:
			arrow = "==>"
		case e.Kind == EdgeEntry:
			blue = append(blue, strconv.Itoa(i))
		case e.Kind == EdgeEgress || kinds[e.From] == KindPlatform:
			arrow = "-.->"
		}
		fmt.Fprintf(w, "  %s %s|%s| %s\n", ids[e.From], arrow, mermaidLabel(edgeLabel(e)), ids[e.To])
	}
	if len(blue) > 0 {
		fmt.Fprintf(w, "  linkStyle %s stroke:#1a73e8\n", strings.Join(blue, ","))
	}
	if len(red) > 0 {
		fmt.Fprintf(w, "  linkStyle %s stroke:red,color:red\n", strings.Join(red, ","))
	}
}
