package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// secretRefs checks that every Secret the app's env references is one its
// namespace declares (namespaces.<ns>.secrets), with the key referenced:
// gen renders no Secret, so a reference nothing provides leaves the pod
// in CreateContainerConfigError. (References checks the rendered objects
// again, patches included, with the same messages.)
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
			c.errorf(at, "env %s %s", name, undeclaredSecret(c.env, app.Namespace, ref.Secret, []string{ref.Key}))
			continue
		}
		if !slices.Contains(s.Keys, ref.Key) {
			c.errorf(at, "env %s %s", name, missingKey("Secret", app.Namespace, ref.Secret, ref.Key, "declares", s.Keys))
		}
	}
}

// undeclaredSecret says that a reference to the Secret ns/name (to keys of
// it, if any) resolves to nothing, and how to declare it: "references
// Secret ns/name, which nothing renders and …".
func undeclaredSecret(env *model.Environment, ns, name string, keys []string) string {
	declared := slices.Sorted(maps.Keys(env.Namespaces[ns].Secrets))
	fix := "declare"
	if c := closest(name, declared); c != "" {
		fix = fmt.Sprintf("did you mean %s? Or declare", c)
	}
	quoted := "..."
	if len(keys) > 0 {
		q := make([]string, len(keys))
		for i, k := range keys {
			q[i] = fmt.Sprintf("%q", k)
		}
		quoted = strings.Join(q, ", ")
	}
	return fmt.Sprintf("references Secret %s/%s, which nothing renders and namespace %s does not declare (its secrets: %s); %s how it reaches the cluster: namespaces: %s: secrets: %s: {provided: \"by-hand\", reason: \"...\", keys: [%s]}",
		ns, name, ns, orNone(declared), fix, model.Label(ns), model.Label(name), quoted)
}

// missingKey says that a reference to key of a ConfigMap or Secret (kind)
// ns/name, which verb ("has", "declares") only the keys have, resolves to
// nothing: "references key "k" of Secret ns/name, which …".
func missingKey(kind, ns, name, key, verb string, have []string) string {
	msg := fmt.Sprintf("references key %q of %s %s/%s, which %s only the keys %s", key, kind, ns, name, verb, strings.Join(have, ", "))
	if len(have) == 0 {
		msg = fmt.Sprintf("references key %q of %s %s/%s, which %s no keys", key, kind, ns, name, verb)
	}
	if c := closest(key, have); c != "" {
		msg += fmt.Sprintf("; did you mean %s?", c)
	}
	return msg
}

// orNone joins names with commas, or says "none".
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
