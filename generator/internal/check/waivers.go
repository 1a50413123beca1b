package check

import (
	"github.com/gitops-gen/gen/generator/internal/suggest"
	"slices"
	"strings"
	"time"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/model"
)

// Waivers reports each waiver of an enabled app that cannot mean what
// its author meant: an expiry that is not a date (YYYY-MM-DD, a day that
// exists: not "2026-02-30"), or a policy that is not one of policies, the
// names of the loaded policies (a typo would waive nothing and let the
// app's violations fail the render for a reason its author thinks
// waived). The error names the nearest policy, or lists them all.
func Waivers(env *model.Environment, policies []string) error {
	var errs cueerrors.Error
	for app, policy := range env.Waivers() {
		w := app.Waivers[policy]
		at := app.Path("waivers." + model.Label(policy))
		if !slices.Contains(policies, policy) {
			hint := "policies: " + strings.Join(policies, ", ")
			if near := suggest.Closest(policy, policies); near != "" {
				hint = "did you mean " + near + "?"
			}
			errs = cueerrors.Append(errs, env.Errorf(at, "waiver for %s, which is not a policy; %s", policy, hint))
		}
		if _, err := time.Parse(time.DateOnly, w.Expires); err != nil {
			errs = cueerrors.Append(errs, env.Errorf(at+".expires",
				"waiver for %s expires on %q, which is not a date (YYYY-MM-DD of a day that exists)", policy, w.Expires))
		}
	}
	if errs == nil {
		return nil
	}
	return errs
}
