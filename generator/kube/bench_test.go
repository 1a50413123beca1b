package kube

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
)

// largeEnv returns an environment of n apps, cycling through the fixture's
// enabled apps (each renamed, so each is its own app).
func largeEnv(n int) *model.Environment {
	env := fixture()
	var templates []*model.App
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		if env.Apps[name].Enabled {
			templates = append(templates, env.Apps[name])
		}
	}
	env.Apps = make(map[string]*model.App, n)
	for i := range n {
		app := *templates[i%len(templates)]
		app.Name = fmt.Sprintf("%s-%04d", app.Name, i)
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
	objs := build(t, largeEnv(1000))
	if len(objs) < 3000 {
		t.Errorf("Build(1000 apps) = %d objects, want at least 3000", len(objs))
	}
}

func BenchmarkBuild(b *testing.B) {
	env := largeEnv(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(env); err != nil {
			b.Fatal(err)
		}
	}
}
