package generator

import (
	"path/filepath"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/policy"
	"github.com/gitops-gen/gen/generator/model"
)

// CredentialPolicy names the credential scan in policy reports. It is no
// file of policies/: the scan is a check, whose findings refuse a render,
// and only the fields an app allows (credentialScan.allow) appear in the
// report, as waived, or as unused allowances.
const CredentialPolicy = "credentials"

// reportAllowances adds to rep the credential findings that an app's
// credentialScan.allow let through, as waived violations without expiry,
// and the allowances that let nothing through, as unused waivers.
func reportAllowances(rep *PolicyReport, env *model.Environment, root string, allowed []check.CredentialAllowance) {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	sourceOf := func(cuePath string) string { return policy.Source(env, root, cuePath) }
	for _, a := range allowed {
		app := env.Apps[a.App]
		use := policy.WaiverUse{Env: env.Name, App: a.App, Policy: CredentialPolicy, Reason: a.Reason,
			Source: sourceOf(app.Path("credentialScan.allow." + model.Label(a.Field)))}
		if a.Found == "" {
			use.Message = "credentialScan.allow: " + a.Field + " holds nothing that looks like a credential"
			rep.Unused = append(rep.Unused, use)
			continue
		}
		rep.Waived = append(rep.Waived, policy.Violation{
			Policy: CredentialPolicy, Severity: policy.Error, Env: env.Name, App: a.App,
			Description: "no credential is written into a rendered object",
			Kind:        a.Kind, Namespace: a.Namespace, Name: a.Name,
			Field: a.Path, Value: a.Found, Message: "holds " + a.Found,
			Source: sourceOf(a.Path), Waived: &use,
		})
	}
}
