package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/model"
)

func TestNeedOf(t *testing.T) {
	all := need{}
	tests := []struct {
		name  string
		check string // policies: p: check: <check>
		other string // another file of the package
		want  need
	}{
		{"a fact", `replicas: >=3`, "", need{fields: []string{"replicas"}, names: names("replicas")}},
		{"nothing", `{}`, "", need{fields: []string{}, names: names()}},
		{
			"a path in the object",
			`object: spec: template: spec: containers: [...{image: =~"^x"}]`, "",
			need{fields: []string{"object"}, names: names("object", "spec", "template", "containers", "image")},
		},
		{
			"references inside the check, let, comprehension, scalar package",
			`{
				import_ok: strings.HasPrefix("a")
				replicas: _
				let n = replicas
				if n > 1 {pdb!: _}
			}`, "",
			need{fields: []string{"replicas", "pdb"}, names: names("import_ok", "strings", "HasPrefix", "replicas", "_", "n", "pdb")},
		},
		{"len: top-level fields only", `{object: _, if len(object.metadata.labels) > 3 {replicas!: _}}`, "",
			need{fields: []string{"object", "replicas"}}},
		{"a package over structs: top-level fields only", `object: metadata: labels: struct.MaxFields(3)`, "",
			need{fields: []string{"object"}}},
		{"or over a list: top-level fields only", `{env: _, images: [...{registry: or(env.allowedRegistries)}]}`, "",
			need{fields: []string{"env", "images"}}},
		{"a pattern constraint within a fact", `object: metadata: labels: [string]: =~"^[a-z]"`, "",
			need{fields: []string{"object"}}},
		{"a for comprehension", `{pod: _, for c in pod.containers {}}`, "", need{fields: []string{"pod"}}},
		{"a definition in the check: all", `{#C: {image: string}, pod: containers: [...#C]}`, "", all},
		{"close: all", `pod: close({containers: [...]})`, "", all},
		{"a struct literal compared", `{object: spec: selector: _, if object.spec.selector == {a: "b"} {replicas: >=3}}`, "",
			need{fields: []string{"object", "replicas"}}},
		{"a pattern constraint on the facts: all", `[string]: _`, "", all},
		{"a hidden field of the file: all", `replicas: >=_min`, "", all},
		{"a definition in another file: all", `replicas: >=#Min`, "#Min: 3", all},
		{"a module's package: all", `schema.#Input & {replicas: >=3}`, "", all},
		{"a computed label: all", `{kind: _, "\(kind)": _}`, "", all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"p.cue": `package policies

import (
	"strings"
	"struct"
	"github.com/gitops-gen/gen/schema"
)

_min: 3
_s: strings.ToLower("X")
_i: schema.#Name
_m: struct.MinFields(0)

policies: p: {
	description: "P."
	check: ` + tt.check + `
}
`}
			if tt.other != "" {
				files["other.cue"] = "package policies\n\n" + tt.other + "\n"
			}
			s := loadPolicies(t, files)
			got := s.policies[0].need
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(need{})); diff != "" {
				t.Errorf("needOf(%s) mismatch (-want +got):\n%s", tt.check, diff)
			}
		})
	}
}

func names(ns ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range ns {
		m[n] = true
	}
	return m
}

// TestNeedPreservesOutcome evaluates the baseline over varied objects
// twice, once as Evaluate does, with each check's input cut to what it
// reads, and once with every check seeing the whole input: the reports
// must be the same.
func TestNeedPreservesOutcome(t *testing.T) {
	s := loadPolicies(t, map[string]string{"baseline.cue": baseline})
	whole := &Set{root: s.root}
	for _, p := range s.policies {
		p.need = need{}
		whole.policies = append(whole.policies, p)
	}
	env, objs := benchObjects(t, 40)
	objs = append(objs,
		namespace(t, "ns-0"), namespace(t, "ns-1"), networkPolicy(t, "deny", "ns-1"),
		deployment(t, "bad", "ns-1", 1, withoutCPU, withImage("nginx:latest"), func(d *appsv1.Deployment) {
			d.Spec.Template.Spec.SecurityContext = nil
			d.Spec.Template.Spec.Containers[0].LivenessProbe = nil
			d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "quay.io/x/y:latest"}}
			d.Labels = nil
		}),
		hpa(t, "bad", "ns-1", new(int32(4)), 3),
		pdb(t, "bad", "ns-1", intstr.FromString("100%")),
		service(t, "none", "ns-1", map[string]string{"app.kubernetes.io/name": "none"}),
	)
	env.Apps["bad"] = modeltest.App(t, "bad", `namespace: "ns-1"`)
	env.Apps["none"] = modeltest.App(t, "none", `namespace: "ns-1"`)
	for _, e := range []*model.Environment{env, {Name: "dev", Apps: env.Apps}} {
		want := whole.Evaluate(e, objs, today)
		got := s.Evaluate(e, objs, today)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Evaluate(%s) with cut inputs mismatch (-whole +cut):\n%s", e.Name, diff)
		}
		if len(got.Violations) < 10 {
			t.Errorf("Evaluate(%s) = %d violations, want the fixture to break most rules", e.Name, len(got.Violations))
		}
	}
}
