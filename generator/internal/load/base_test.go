package load_test

import (
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/internal/repotest"
)

// TestEnvironmentBaseSaysNothingOfApps: #EnvironmentBase asks of an app
// only that it is a struct, and names it by its key. An app given as plain
// data is keyed in the memo by its data, its name, the schema and what it
// reads of the environment (#EnvApp.#env): a constraint on apps there that
// read anything else of the environment would not be in its key.
func TestEnvironmentBaseSaysNothingOfApps(t *testing.T) {
	repo, err := repotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	_, schema, _, err := load.WithSchema(repo, load.SchemaDir)
	if err != nil {
		t.Fatal(err)
	}
	apps := schema.LookupPath(cue.MakePath(cue.Def("#EnvironmentBase"), cue.Str("apps")))
	if !apps.Exists() {
		t.Fatal("#EnvironmentBase has no apps")
	}
	it, err := apps.Fields(cue.All())
	if err != nil {
		t.Fatal(err)
	}
	for it.Next() {
		t.Errorf("#EnvironmentBase.apps has a field %s", it.Selector())
	}
	pattern := apps.LookupPath(cue.MakePath(cue.AnyString))
	open := cuecontext.New().CompileString("{name: string, ...}")
	if !pattern.Exists() || pattern.Subsume(open) != nil || open.Subsume(pattern) != nil {
		t.Errorf("#EnvironmentBase.apps: [string]: %v, want {name: string, ...}", pattern)
	}
	// The name is the app's key, nothing else.
	env := schema.LookupPath(cue.MakePath(cue.Def("#EnvironmentBase"))).
		FillPath(cue.MakePath(cue.Str("apps"), cue.Str("shop")), struct{}{})
	name, err := env.LookupPath(cue.ParsePath("apps.shop.name")).String()
	if err != nil || name != "shop" {
		t.Errorf("#EnvironmentBase names the app %q (%v), want its key \"shop\"", name, err)
	}
}
