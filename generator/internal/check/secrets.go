package check

import (
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// secretRefs checks that every Secret the app's env references is one its
// namespace declares (namespaces.<ns>.secrets), with the key referenced:
// gen renders no Secret, so a reference nothing provides leaves the pod
// in CreateContainerConfigError.
func (c *checker) secretRefs(app *model.App) {
	ns, ok := c.env.Namespaces[app.Namespace]
	if !ok {
		return // the namespace check reports it
	}
	for _, name := range slices.Sorted(maps.Keys(app.Env)) {
		ref := app.Env[name].SecretRef
		if ref == nil {
			continue
		}
		at := app.Path("env." + model.Label(name))
		s, ok := ns.Secrets[ref.Secret]
		if !ok {
			declared := "none"
			if len(ns.Secrets) > 0 {
				declared = strings.Join(slices.Sorted(maps.Keys(ns.Secrets)), ", ")
			}
			c.errorf(at, "env %s references Secret %s/%s, which nothing renders and namespace %s does not declare (its secrets: %s); declare how it reaches the cluster: namespaces: %s: secrets: %s: {provided: \"by-hand\", reason: \"...\", keys: [%q]}",
				name, app.Namespace, ref.Secret, app.Namespace, declared, model.Label(app.Namespace), model.Label(ref.Secret), ref.Key)
			continue
		}
		if !slices.Contains(s.Keys, ref.Key) {
			c.errorf(at, "env %s references key %q of Secret %s/%s, which declares only the keys %s",
				name, ref.Key, app.Namespace, ref.Secret, strings.Join(s.Keys, ", "))
		}
	}
}
