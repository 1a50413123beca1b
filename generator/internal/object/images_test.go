package object

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ecr is a registry host of the kind the default environments use.
const ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

func TestImages(t *testing.T) {
	d := "sha256:" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"
	pod := func(containers ...any) map[string]any {
		return map[string]any{"containers": containers}
	}
	c := func(name, image string) map[string]any { return map[string]any{"name": name, "image": image} }
	tests := []struct {
		name string
		obj  map[string]any
		want []ImageRef
	}{{
		name: "deployment pinned and unpinned",
		obj: map[string]any{"kind": "Deployment", "spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"initContainers": []any{c("init", "busybox:1.36")},
			"containers":     []any{c("web", ecr+"/web:1.0@"+d)},
		}}}},
		want: []ImageRef{
			{Container: "init", InitContainer: true, Reference: "busybox:1.36", Registry: "index.docker.io", Repository: "library/busybox", Tag: "1.36", Valid: true},
			{Container: "web", Reference: ecr + "/web:1.0@" + d, Registry: ecr, Repository: "web", Tag: "1.0", Digest: d, Pinned: true, Valid: true},
		},
	}, {
		name: "cronjob, digest only, registry with port",
		obj: map[string]any{"kind": "CronJob", "spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": pod(
			c("a", "127.0.0.1:5000/team/job@"+d),
			c("b", "registry.example.com:5000/team/job:latest"),
		)}}}}},
		want: []ImageRef{
			{Container: "a", Reference: "127.0.0.1:5000/team/job@" + d, Registry: "127.0.0.1:5000", Repository: "team/job", Digest: d, Pinned: true, Valid: true},
			{Container: "b", Reference: "registry.example.com:5000/team/job:latest", Registry: "registry.example.com:5000", Repository: "team/job", Tag: "latest", Valid: true},
		},
	}, {
		name: "invalid reference",
		obj:  map[string]any{"kind": "Pod", "spec": pod(c("x", "Not A Reference"))},
		want: []ImageRef{{Container: "x", Reference: "Not A Reference"}},
	}, {
		name: "no pods",
		obj:  map[string]any{"kind": "Service", "spec": map[string]any{}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Object{Content: tt.obj}.Images()); diff != "" {
				t.Errorf("Images() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
