package check_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/argocd"
	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/cluster"
	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/synth"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/repotest"
)

// platform is the environment prod of a synthetic platform of 1,000 apps
// (package synth), pinned from its lock file, with its objects as a
// render checks them: built (before the patches; synth has none) and all
// (with the Argo CD Applications and the ClusterConfig). Loading it
// evaluates CUE for seconds, so the benchmarks share it.
type platform struct {
	env        *model.Environment
	built, all []object.Object
}

var synthPlatform = sync.OnceValues(func() (*platform, error) {
	root, err := repotest.Root()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gen-check-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := synth.Write(dir, root, 1000); err != nil {
		return nil, err
	}
	envs, err := load.Load(dir, []string{"prod"})
	if err != nil {
		return nil, err
	}
	if _, err := images.Pin(context.Background(), dir, envs, images.PinOptions{}); err != nil {
		return nil, err
	}
	env := envs[0]
	built, err := kube.Build(env)
	if err != nil {
		return nil, err
	}
	objs := argocd.Annotate(env, slices.Clone(built))
	apps, err := argocd.Build(env, "rendered/prod", objs)
	if err != nil {
		return nil, err
	}
	cc, err := cluster.Build(env)
	if err != nil {
		return nil, err
	}
	return &platform{env: env, built: built, all: append(append(objs, apps...), cc)}, nil
})

func benchPlatform(b *testing.B) *platform {
	b.Helper()
	p, err := synthPlatform()
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkCredentials scans every string of the 1,000 apps' objects.
func BenchmarkCredentials(b *testing.B) {
	p := benchPlatform(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := check.Credentials(p.env, p.built, p.all); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAPI validates every value of the 1,000 apps' objects.
func BenchmarkAPI(b *testing.B) {
	p := benchPlatform(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := check.API(p.env, p.all); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCapacity places the 1,000 apps' pods at min and at max.
func BenchmarkCapacity(b *testing.B) {
	p := benchPlatform(b)
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := check.Capacity(p.env, p.all, today); err != nil {
			b.Fatal(err)
		}
	}
}
