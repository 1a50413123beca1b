package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// benchObjects returns n objects in groups of four: a Deployment, its
// Service, HPA and PDB, the apps spread over ten namespaces. Every fifth
// app breaks a rule or two, so that violations are built too.
func benchObjects(b testing.TB, n int) (*model.Environment, []object.Object) {
	b.Helper()
	var objs []object.Object
	apps := new(strings.Builder)
	for i := 0; len(objs) < n; i++ {
		app := fmt.Sprintf("app-%04d", i)
		ns := fmt.Sprintf("ns-%d", i%10)
		fmt.Fprintf(apps, "\t%q: namespace: %q\n", app, ns)
		replicas := int32(3)
		if i%5 == 0 {
			replicas = 1 // min-replicas-prod
		}
		objs = append(objs,
			deployment(b, app, ns, replicas),
			service(b, app, ns, map[string]string{"app.kubernetes.io/name": app}),
			hpa(b, app, ns, new(replicas), 10),
			pdb(b, app, ns, intstr.FromString("50%")),
		)
	}
	env := modeltest.Env(b, "prod", modeltest.Cluster+`
policy: allowedRegistries: ["`+registry+`"]
apps: [Name=_]: image: {repository: "`+registry+`/\(Name)", tag: "1.0.0"}
apps: {
`+apps.String()+"}\n")
	return env, objs[:n]
}

// BenchmarkEvaluate evaluates the baseline's 13 policies over 1,000
// objects (250 apps of four objects each): as Evaluate does, each check
// unified with what it reads of the input (cut), and for comparison with
// the whole input (whole). Run with -cpu 1,2,4 to see the parallel chunks
// at work.
func BenchmarkEvaluate(b *testing.B) {
	s := loadPolicies(b, map[string]string{"baseline.cue": baseline})
	whole := &Set{root: s.root}
	for _, p := range s.policies {
		p.need = need{}
		whole.policies = append(whole.policies, p)
	}
	env, objs := benchObjects(b, 1000)
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, bc := range []struct {
		name string
		set  *Set
	}{{"inputs=cut", s}, {"inputs=whole", whole}} {
		b.Run(bc.name, func(b *testing.B) {
			rep := bc.set.Evaluate(env, objs, today)
			if len(rep.Violations) != 100 {
				b.Fatalf("Evaluate = %d violations, want 100", len(rep.Violations))
			}
			b.ReportAllocs()
			for b.Loop() {
				bc.set.Evaluate(env, objs, today)
			}
		})
	}
}
