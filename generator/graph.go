package generator

import (
	"context"
	"fmt"
	"path"

	"github.com/gitops-gen/gen/generator/internal/graph"
)

type (
	// DependencyGraph is an environment's dependency graph: its apps by
	// namespace, the traffic between them that the rendered
	// NetworkPolicies allow, the load balancers that bring traffic in
	// and the address ranges outside the cluster the apps reach. Its
	// Write method prints it as Graphviz DOT or Mermaid; Problems lists
	// the declared calls (dependsOn, networkPolicy.from) and load
	// balancer routes that no policy allows.
	DependencyGraph = graph.Graph
	// GraphNode is one node of a [DependencyGraph].
	GraphNode = graph.Node
	// GraphEdge is one edge of a [DependencyGraph].
	GraphEdge = graph.Edge
)

// GraphFormats are the formats [DependencyGraph.Write] takes: "dot" and
// "mermaid".
var GraphFormats = graph.Formats

// GraphFile returns the path, relative to a folder of graphs, of env's
// graph in format: the environment's name, each "/" in it a folder, with
// the format's extension (".dot", ".mmd"), e.g. "prod.dot" or
// "chatbot/prod.dot".
func GraphFile(env, format string) string {
	return path.Clean(env) + graph.Ext(format)
}

// Graph renders env (the graph of an environment that does not render
// would show what is never enforced) and returns its dependency graph,
// computed from the rendered objects, patches included, with the
// render's warnings.
func Graph(ctx context.Context, opts Options, env string) (*DependencyGraph, []string, error) {
	res, err := renderOne(ctx, opts, env)
	if err != nil {
		return nil, nil, err
	}
	g, err := graph.Build(res.Envs[0].Model, res.Envs[0].objects)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: graph: %w", env, err)
	}
	return g, res.Warnings(), nil
}
