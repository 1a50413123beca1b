package model

import (
	"errors"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/token"
)

func suspendFixture(t *testing.T) (*Environment, func() (cue.Value, cue.Value, error)) {
	t.Helper()
	load := func() (cue.Value, cue.Value, error) {
		v := cuecontext.New().CompileString("apps: web: {\n\treplicas: 2\n\timage: \"x\"\n}\n", cue.Filename("env.cue"))
		return v, v, v.Err()
	}
	v, src, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return &Environment{Name: "prod", Value: v, Source: src}, load
}

func samePos(a, b token.Pos) bool {
	return a.Filename() == b.Filename() && a.Line() == b.Line() && a.Column() == b.Column() && a.Offset() == b.Offset()
}

func TestSuspendKeepsNotedPositions(t *testing.T) {
	env, load := suspendFixture(t)
	want := map[string]token.Pos{"apps.web": env.Pos("apps.web"), "apps.web.image": env.Pos("apps.web.image"), "apps.web.replicas": env.Pos("apps.web.replicas")}
	reloads := 0
	env.Suspend([]string{"apps.web", "apps.web.image"}, func() (cue.Value, cue.Value, error) {
		reloads++
		return load()
	})
	if env.Value.Exists() || env.Source.Exists() {
		t.Fatal("Suspend kept the evaluated CUE")
	}
	for _, p := range []string{"apps.web", "apps.web.image"} {
		if got := env.Pos(p); !got.IsValid() || !samePos(got, want[p]) {
			t.Errorf("Pos(%q) = %v, want %v", p, got, want[p])
		}
	}
	if reloads != 0 {
		t.Fatalf("a noted position reloaded the environment %d times", reloads)
	}
	// Any other position loads the environment again, once.
	for range 2 {
		if got := env.Pos("apps.web.replicas"); !samePos(got, want["apps.web.replicas"]) {
			t.Errorf("Pos(apps.web.replicas) = %v, want %v", got, want["apps.web.replicas"])
		}
	}
	if reloads != 1 {
		t.Errorf("reloads = %d, want 1", reloads)
	}
	env.Release()
	if got := env.Pos("apps.web"); got.IsValid() {
		t.Errorf("Pos after Release = %v, want none", got)
	}
	if reloads != 1 {
		t.Errorf("Pos after Release reloaded: reloads = %d", reloads)
	}
}

func TestSuspendFailedReload(t *testing.T) {
	env, _ := suspendFixture(t)
	env.Suspend(nil, func() (cue.Value, cue.Value, error) { return cue.Value{}, cue.Value{}, errors.New("gone") })
	if got := env.Pos("apps.web"); got.IsValid() {
		t.Errorf("Pos after a failed reload = %v, want none", got)
	}
}
