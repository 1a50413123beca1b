package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

// A waiver names a loaded policy and a day that exists; a typo names the
// nearest policy, or lists them when none is near.
func TestWaivers(t *testing.T) {
	policies := []string{"min-replicas", "probes"}
	tests := []struct {
		name, src string
		want      []problem
	}{
		{name: "valid", src: `apps: web: waivers: probes: {reason: "r", expires: "2028-02-29"}`},
		{
			name: "30 February", src: `apps: web: waivers: probes: {reason: "r", expires: "2026-02-30"}`,
			want: []problem{{path("apps", "web", "waivers", "probes", "expires"), `apps.web.waivers.probes.expires: waiver for probes expires on "2026-02-30", which is not a date (YYYY-MM-DD of a day that exists)`}},
		}, {
			name: "typo", src: `apps: web: waivers: probe: {reason: "r", expires: "2099-01-01"}`,
			want: []problem{{path("apps", "web", "waivers", "probe"), `apps.web.waivers.probe: waiver for probe, which is not a policy; did you mean probes?`}},
		}, {
			name: "nothing near", src: `apps: web: waivers: "no-latest": {reason: "r", expires: "2099-01-01"}`,
			want: []problem{{path("apps", "web", "waivers", `"no-latest"`), `apps.web.waivers."no-latest": waiver for no-latest, which is not a policy; policies: min-replicas, probes`}},
		}, {
			name: "disabled app", src: `apps: web: {enabled: false, waivers: probe: {reason: "r", expires: "2099-01-01"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(check.Waivers(newEnv(t, web+tt.src+"\n"), policies))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Waivers() problems (-want +got):\n%s", diff)
			}
		})
	}
}
