package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
)

// Render lets go of an environment's CUE before building its objects; a
// problem found in the objects, offline or with a registry, still points
// at the field of the user's file, and a waiver in the policy report at
// its line.
func TestRenderPositionsAfterCUEReleased(t *testing.T) {
	root := writeRoot(t)
	// Lock files, so that the offline render needs no registry.
	res := renderOpts(t, generator.Options{Root: root, Images: images.PinOptions{Resolver: exampleRegistry}})
	if _, err := generator.Write(generator.Options{Root: root}, res); err != nil {
		t.Fatal(err)
	}
	policies := "package policies\n\npolicies: \"two-replicas\": {\n\tdescription: \"Deployments run two pods.\"\n\tkinds: [\"Deployment\"]\n\tcheck: object: spec: replicas: >=2\n}\n"
	if err := os.MkdirAll(filepath.Join(root, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "policies", "replicas.cue"), []byte(policies), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(root, "environments", "dev", "dev.cue")
	waived := "package environments\n\ncluster: name: \"dev\"\napps: web: waivers: \"two-replicas\": {\n\treason: \"one pod in dev\"\n\texpires: \"2999-01-01\"\n}\n"
	if err := os.WriteFile(dev, []byte(waived), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, offline := range []bool{true, false} {
		opts := generator.Options{Root: root}
		if !offline {
			opts.Images = images.PinOptions{Resolver: exampleRegistry}
		}
		res := renderOpts(t, opts)
		uses := res.Envs[0].Policy.Waived
		if len(uses) == 0 || uses[0].Waived == nil {
			t.Fatalf("offline %v: no waived violation: %+v", offline, res.Envs[0].Policy)
		}
		if got, want := uses[0].Waived.Source, "environments/dev/dev.cue:4"; got != want {
			t.Errorf("offline %v: the waiver's source = %q, want %q", offline, got, want)
		}
	}

	// A ConfigMap that nothing renders is found in the objects, after
	// the CUE was let go.
	bad := `package environments

cluster: name: "dev"
apps: web: patches: [{
	target: {kind: "Deployment", name: "web"}
	patch: """
		- op: add
		  path: /spec/template/spec/volumes/-
		  value: {name: settings, configMap: {name: settings}}
		"""
}]
`
	if err := os.WriteFile(dev, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, offline := range []bool{true, false} {
		opts := generator.Options{Root: root}
		if !offline {
			opts.Images = images.PinOptions{Resolver: exampleRegistry}
		}
		_, err := generator.Render(context.Background(), opts)
		if err == nil {
			t.Fatalf("offline %v: Render accepted a volume of a ConfigMap nothing renders", offline)
		}
		var b strings.Builder
		generator.PrintError(&b, err, root)
		if !strings.Contains(b.String(), "apps.web.patches: ") || !strings.Contains(b.String(), "./environments/dev/dev.cue:4:") {
			t.Errorf("offline %v: the error is not at its field:\n%s", offline, b.String())
		}
	}
}
