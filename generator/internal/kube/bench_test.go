package kube

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
)

// largeEnv returns an environment of n apps, cycling through the fixture's
// enabled apps (each renamed, so each is its own app). dependsOn and
// networkPolicy.from name the copies of the same cycle, which exist when
// n is a multiple of the number of templates.
func largeEnv(tb testing.TB, n int) *model.Environment {
	tb.Helper()
	env := fixture(tb)
	var templates []*model.App
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		if env.Apps[name].Enabled {
			templates = append(templates, env.Apps[name])
		}
	}
	index := map[string]int{}
	for i, t := range templates {
		index[t.Name] = i
	}
	env.Apps = make(map[string]*model.App, n)
	for i := range n {
		app := *templates[i%len(templates)]
		app.Name = fmt.Sprintf("%s-%04d", app.Name, i)
		cycle := i - i%len(templates)
		rename := func(names []string) []string {
			var out []string
			for _, name := range names {
				if j, ok := index[name]; ok {
					out = append(out, fmt.Sprintf("%s-%04d", name, cycle+j))
				} // else a disabled template: not copied
			}
			return out
		}
		app.DependsOn = rename(app.DependsOn)
		app.NetworkPolicy.From = rename(app.NetworkPolicy.From)
		services := make(map[string]model.Service, len(app.Services))
		for name, svc := range app.Services {
			services[app.Name+name[len(templates[i%len(templates)].Name):]] = svc
		}
		app.Services = services
		env.Apps[app.Name] = &app
	}
	return env
}

func TestLargeEnv(t *testing.T) {
	objs := build(t, largeEnv(t, 1000))
	if len(objs) < 3000 {
		t.Errorf("Build(1000 apps) = %d objects, want at least 3000", len(objs))
	}
}

func BenchmarkBuild(b *testing.B) {
	env := largeEnv(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(env); err != nil {
			b.Fatal(err)
		}
	}
}
