package generator_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
)

// exampleRoot makes a repository in a temporary folder: this module's
// schema/ and cue.mod/, and one environment, dev, with one app. The
// caller removes it.
func exampleRoot() string {
	root, err := os.MkdirTemp("", "gen-example-")
	if err != nil {
		log.Fatal(err)
	}
	for _, dir := range []string{"cue.mod", "schema"} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repoRoot, dir))); err != nil {
			log.Fatal(err)
		}
	}
	files := map[string]string{
		"environments/platform.cue": `package environments

cluster: {
	region:    "eu-west-1"
	accountID: "123456789012"
	version:   "1.35"
	zones: ["eu-west-1a", "eu-west-1b"]
	nodeGroups: general: {instanceTypes: ["m6i.large"], minSize: 1, maxSize: 3}
}
namespaces: web: {}
apps: web: {
	namespace: "web"
	image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", tag: "1.0.0"}
	ports: http: port: 8080
	services: web: {}
}
`,
		"environments/dev/dev.cue": "package environments\n\ncluster: name: \"dev\"\n",
	}
	for name, data := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	return root
}

// exampleRegistry stands in for ECR: the digest each tag of the example points at.
var exampleRegistry = images.Fixed{
	"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0": {
		Digest:    "sha256:" + strings.Repeat("1", 64),
		MediaType: "application/vnd.oci.image.manifest.v1+json",
	},
	"registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0": {
		Digest:    "sha256:" + strings.Repeat("2", 64),
		MediaType: "application/vnd.oci.image.index.v1+json",
	},
}

// Render an environment in memory, then write it: rendered/dev/ and the
// environment's lock file. Nothing is written when the input has a
// problem or a policy fails.
func ExampleRender() {
	root := exampleRoot()
	defer os.RemoveAll(root)

	opts := generator.Options{Root: root, Images: images.PinOptions{Resolver: exampleRegistry}}
	res, err := generator.Render(context.Background(), opts)
	if err != nil {
		generator.PrintError(os.Stderr, err, root)
		return
	}
	for _, f := range res.Envs[0].Files {
		if strings.HasPrefix(f.Path, "apps/") {
			fmt.Println(f.Path)
		}
	}
	written, err := generator.Write(opts, res)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range written.Envs {
		fmt.Printf("%s: %d files added; %s written: %t\n", c.Dir, len(c.Missing), c.Lock, c.LockChanged)
	}
	// Output:
	// apps/web/deployment-web.yaml
	// apps/web/networkpolicy-web.yaml
	// apps/web/service-web.yaml
	// apps/web/serviceaccount-web.yaml
	// rendered/dev: 43 files added; environments/dev/images.lock.json written: true
}

// Check compares rendered/ with what a render would write, offline: the
// images come from the lock file that Write wrote.
func ExampleCheck() {
	root := exampleRoot()
	defer os.RemoveAll(root)
	ctx := context.Background()
	opts := generator.Options{Root: root, Images: images.PinOptions{Resolver: exampleRegistry}}
	res, err := generator.Render(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := generator.Write(opts, res); err != nil {
		log.Fatal(err)
	}

	// A hand edit in rendered/ is found.
	edited := filepath.Join(root, "rendered", "dev", "apps", "web", "service-web.yaml")
	if err := os.WriteFile(edited, []byte("kind: Service\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	check, err := generator.Check(ctx, generator.Options{Root: root})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range check.Changes {
		fmt.Println(strings.Join(c.Paths(), "\n"))
	}
	fmt.Println("failed:", check.Failed())
	// Output:
	// stale: rendered/dev/apps/web/service-web.yaml
	// failed: true
}

// Diff shows what a change to the input does to the rendered objects,
// object by object, before anything is written.
func ExampleDiff() {
	root := exampleRoot()
	defer os.RemoveAll(root)
	ctx := context.Background()
	opts := generator.Options{Root: root, Images: images.PinOptions{Resolver: exampleRegistry}}
	res, err := generator.Render(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := generator.Write(opts, res); err != nil {
		log.Fatal(err)
	}

	// dev runs three replicas from now on.
	scale := []byte("package environments\n\ncluster: name: \"dev\"\napps: web: replicas: 3\n")
	if err := os.WriteFile(filepath.Join(root, "environments", "dev", "dev.cue"), scale, 0o644); err != nil {
		log.Fatal(err)
	}
	diff, err := generator.Diff(ctx, generator.Options{Root: root})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range diff.Envs {
		if err := d.Report.WriteText(os.Stdout, false); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// --- rendered/dev
	// +++ gen render dev
	// ~ apps/v1 Deployment web/web  [scale]   apps/web/deployment-web.yaml
	//     spec.replicas
	//       - 1
	//       + 3
	// ~ v1 ResourceQuota web/web  [config]   platform/resourcequota-web.yaml
	//     spec.hard["limits.cpu"]
	//       - 1200m
	//       + 2400m
	//     spec.hard["limits.ephemeral-storage"]
	//       - 2560Mi
	//       + 5Gi
	//     spec.hard["limits.memory"]
	//       - 1280Mi
	//       + 2560Mi
	//     spec.hard.pods
	//       - "3"
	//       + "5"
	//     spec.hard["requests.cpu"]
	//       - 300m
	//       + 500m
	//     spec.hard["requests.ephemeral-storage"]
	//       - 768Mi
	//       + 1280Mi
	//     spec.hard["requests.memory"]
	//       - 512Mi
	//       + 768Mi
	//
	// 2 objects differ: 0 image, 1 scale, 1 config, 0 added, 0 removed
}

// Draw an environment's dependency graph: the traffic its rendered
// NetworkPolicies allow, its load balancers and what it reaches outside
// the cluster, as Graphviz DOT or Mermaid.
func ExampleGraph() {
	root := exampleRoot()
	defer os.RemoveAll(root)

	opts := generator.Options{Root: root, Images: images.PinOptions{Resolver: exampleRegistry}}
	g, _, err := generator.Graph(context.Background(), opts, "dev")
	if err != nil {
		generator.PrintError(os.Stderr, err, root)
		return
	}
	for _, n := range g.Nodes {
		fmt.Println(n.ID, n.Kind)
	}
	fmt.Println("edges:", len(g.Edges), "problems:", len(g.Problems()))
	fmt.Println("file:", generator.GraphFile("dev", "mermaid"))
	if err := g.Write(io.Discard, "mermaid"); err != nil {
		log.Fatal(err)
	}
	// Output:
	// app/web/web app
	// edges: 0 problems: 0
	// file: dev.mmd
}
