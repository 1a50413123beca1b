package objdiff

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// FuzzCompare compares arbitrary files, and the same files the other way
// round. Compare and WriteText must not panic; a tree compared with itself
// differs nowhere; and the comparison is symmetric: the other way round,
// the same objects differ with the same classes (added and removed
// swapped), at the same field paths with their sides swapped, and as many
// values differ only by the environments' names.
//
// The seed corpus (testdata/fuzz/FuzzCompare) runs in every "go test";
// to search further:
//
//	go test -run='^$' -fuzz='^FuzzCompare$' -fuzztime=30s ./generator/internal/objdiff
func FuzzCompare(f *testing.F) {
	staging := strings.ReplaceAll(deployment, "aaa", "bbb")
	prod := strings.ReplaceAll(strings.ReplaceAll(deployment, "staging", "prod"), "replicas: 2", "replicas: 3")
	f.Add([]byte(deployment), []byte(staging), "", "")
	f.Add([]byte(deployment), []byte(prod), "staging", "prod")
	f.Add([]byte(hpa), []byte(strings.ReplaceAll(hpa, "4", "6")), "", "")
	f.Add([]byte(cronJob), []byte(strings.ReplaceAll(cronJob, `"1"`, "2")), "", "")
	f.Add([]byte(cluster), []byte(strings.ReplaceAll(cluster, "maxSize: 5", "maxSize: 9")), "dev", "prod")
	f.Add([]byte("a: [1, {name: x}, {name: x}]\n"), []byte("a: [{name: x}]\n"), "", "")
	f.Add([]byte("not: [yaml"), []byte("- a\n- b\n"), "", "")
	f.Fuzz(func(t *testing.T, a, b []byte, envA, envB string) {
		opts := Options{From: "a", To: "b", FromEnv: envA, ToEnv: envB}
		if _, err := newNormaliser(opts); err != nil {
			opts.FromEnv, opts.ToEnv = "", ""
		}
		from := map[string][]byte{"apps/web/deployment-web.yaml": a, "only-from.yaml": b}
		to := map[string][]byte{"apps/web/deployment-web.yaml": b, "only-to.yaml": a}

		same, err := Compare(from, from, Options{})
		if err != nil {
			t.Fatalf("Compare(a, a) = %v", err)
		}
		if len(same.Objects) != 0 || same.EnvOnly != 0 {
			t.Fatalf("Compare(a, a) = %+v, want no difference", same)
		}

		fwd, err := Compare(from, to, opts)
		if err != nil {
			t.Fatalf("Compare(a, b, %+v) = %v", opts, err)
		}
		back, err := Compare(to, from, Options{From: "b", To: "a", FromEnv: opts.ToEnv, ToEnv: opts.FromEnv})
		if err != nil {
			t.Fatalf("Compare(b, a) = %v", err)
		}
		// A key that differs only by the environments' names is shown as
		// the "to" side writes it, so each way shows its own: field paths
		// agree once both names are replaced.
		envs := []string{opts.FromEnv, opts.ToEnv}
		slices.SortFunc(envs, func(x, y string) int { return cmp.Compare(len(y), len(x)) })
		paths := func(p string) string {
			if opts.FromEnv == "" {
				return p
			}
			for _, env := range envs {
				p = replaceToken(p, env)
			}
			return p
		}
		if diff := gocmp.Diff(summary(fwd, false, paths), summary(back, true, paths)); diff != "" {
			t.Fatalf("Compare is not symmetric for\n%q\n%q\nenvs %q %q (-forward +backward, swapped):\n%s", a, b, opts.FromEnv, opts.ToEnv, diff)
		}
		for _, r := range []*Report{fwd, back} {
			var buf bytes.Buffer
			if err := r.WriteText(&buf, true); err != nil {
				t.Fatalf("WriteText = %v", err)
			}
		}
	})
}

// summary is what must agree between a report and the report of the
// other way round (swapped): per object, its class and each field's path,
// class and sides, each path as paths gives it.
func summary(r *Report, swapped bool, paths func(string) string) []string {
	out := []string{fmt.Sprintf("envOnly %d", r.EnvOnly)}
	for _, o := range r.Objects {
		class := o.Class
		if swapped {
			switch class {
			case Added:
				class = Removed
			case Removed:
				class = Added
			}
		}
		out = append(out, fmt.Sprintf("object %s %s", o.Path, class))
		for _, fl := range o.Fields {
			from, to := fl.From, fl.To
			if swapped {
				from, to = to, from
			}
			out = append(out, fmt.Sprintf("  %s %s %s -> %s", paths(fl.Path), fl.Class, side(from), side(to)))
		}
	}
	slices.Sort(out)
	return out
}

func side(v *any) string {
	if v == nil {
		return "absent"
	}
	return fmt.Sprintf("%#v", *v)
}
