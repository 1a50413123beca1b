package check

import (
	"fmt"
	"github.com/gitops-gen/gen/generator/internal/suggest"
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
	for _, ct := range app.Containers() {
		for _, name := range slices.Sorted(maps.Keys(ct.Env)) {
			ref := ct.Env[name].SecretRef
			if ref == nil {
				continue
			}
			at := ct.Path(app, "env."+model.Label(name))
			s, ok := ns.Secrets[ref.Secret]
			if !ok {
				c.errorf(at, "env %s %s", name, undeclaredSecret(c.env, app.Namespace, ref.Secret, []string{ref.Key}))
				continue
			}
			if !slices.Contains(s.Keys, ref.Key) {
				c.errorf(at, "env %s %s", name, missingKey("Secret", app.Namespace, ref.Secret, ref.Key, keysVerb(s), s.Keys))
			}
		}
	}
}

// undeclaredSecret says that a reference to the Secret ns/name (to keys of
// it, if any) resolves to nothing, and how to declare it: "references
// Secret ns/name, which nothing renders and …".
func undeclaredSecret(env *model.Environment, ns, name string, keys []string) string {
	declared := slices.Sorted(maps.Keys(env.Namespaces[ns].Secrets))
	fix := "declare"
	if c := suggest.Closest(name, declared); c != "" {
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
	return fmt.Sprintf("references Secret %s/%s, which nothing renders and namespace %s does not declare (its secrets: %s); %s how it reaches the cluster: namespaces: %s: secrets: %s: {provided: \"external\", store: \"...\", remoteKey: \"...\", keys: [%s]} (or provided: \"by-hand\" with a reason)",
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
	if c := suggest.Closest(key, have); c != "" {
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

// keysVerb says, for missingKey, how the declared Secret s holds its keys:
// an ExternalSecret "produces only the keys", a Secret made by hand
// "declares" them.
func keysVerb(s model.ProvidedSecret) string {
	if s.Provided == model.ProvidedExternal {
		return "its ExternalSecret produces"
	}
	return "declares"
}

// secretStores checks the secret stores: a Vault store's paths are
// absolute (gen writes every Vault path as Vault's API and policies name
// it, from the root), and a namespaced store's namespace is one of the
// environment's. The IAM role of an AWS store and the role of a Vault
// store are required by the schema; IRSA checks that the role is declared.
func (c *checker) secretStores() {
	for _, name := range slices.Sorted(maps.Keys(c.env.SecretStores)) {
		st := c.env.SecretStores[name]
		at := "secretStores." + model.Label(name)
		if st.Namespace != "" {
			if _, ok := c.env.Namespaces[st.Namespace]; !ok {
				c.errorf(at+".namespace", "secret store %s is a SecretStore of namespace %q, which is not one of the environment's namespaces (%s)",
					name, st.Namespace, strings.Join(slices.Sorted(maps.Keys(c.env.Namespaces)), ", "))
			}
		}
		if st.Vault == nil {
			continue
		}
		for _, p := range []struct{ field, what, value, example string }{
			{".vault.path", "the KV secrets engine's mount", st.Vault.Path, "/secret"},
			{".vault.auth.kubernetes.mountPath", "the Kubernetes auth method's mount", st.Vault.Auth.Kubernetes.MountPath, "/kubernetes"},
		} {
			if !absoluteVaultPath(p.value) {
				c.errorf(at+p.field, "secret store %s: %s %q is not an absolute Vault path: write it from Vault's root, as its API and policies name it, e.g. %q",
					name, p.what, p.value, p.example)
			}
		}
	}
}

// absoluteVaultPath reports whether p is an absolute Vault path: it starts
// with a slash and has no empty, "." or ".." segment and no trailing slash.
func absoluteVaultPath(p string) bool {
	if !strings.HasPrefix(p, "/") || p == "/" || strings.HasSuffix(p, "/") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." || strings.TrimSpace(seg) != seg {
			return false
		}
	}
	return true
}

// externalSecrets checks each Secret provided "external": its store exists
// and may serve the Secret's namespace, its remote key suits the store (a
// Vault path absolute and under the store's mount, a Parameter Store name
// with a hierarchy absolute), and every key of property is one of its
// keys.
func (c *checker) externalSecrets() {
	stores := slices.Sorted(maps.Keys(c.env.SecretStores))
	for _, ns := range slices.Sorted(maps.Keys(c.env.Namespaces)) {
		secrets := c.env.Namespaces[ns].Secrets
		for _, name := range slices.Sorted(maps.Keys(secrets)) {
			s := secrets[name]
			if s.Provided != model.ProvidedExternal {
				continue
			}
			at := "namespaces." + model.Label(ns) + ".secrets." + model.Label(name)
			for _, k := range slices.Sorted(maps.Keys(s.Property)) {
				if !slices.Contains(s.Keys, k) {
					c.errorf(at+".property."+model.Label(k), "Secret %s/%s: property names key %q, which is not among its keys (%s); add it to keys or remove it",
						ns, name, k, strings.Join(s.Keys, ", "))
				}
			}
			st, ok := c.env.SecretStores[s.Store]
			if !ok {
				fix := ""
				if cl := suggest.Closest(s.Store, stores); cl != "" {
					fix = fmt.Sprintf("did you mean %s? ", cl)
				}
				c.errorf(at+".store", "Secret %s/%s names secret store %q, which the environment does not declare (secretStores: %s); %sdeclare it: secretStores: %s: {provider: \"aws-secrets-manager\", aws: iamRole: \"...\"}",
					ns, name, s.Store, orNone(stores), fix, model.Label(s.Store))
				continue
			}
			if st.Namespace != "" && st.Namespace != ns {
				c.errorf(at+".store", "Secret %s/%s names secret store %s, a SecretStore of namespace %s, which no other namespace may use; use a store of namespace %s or one without a namespace (a ClusterSecretStore)",
					ns, name, s.Store, st.Namespace, ns)
				continue
			}
			c.remoteKey(at+".remoteKey", ns, name, s.Store, st, s.RemoteKey)
		}
	}
}

// remoteKey checks the remote key of the Secret ns/name against its store.
func (c *checker) remoteKey(at, ns, name, storeName string, st model.SecretStore, key string) {
	switch st.Provider {
	case model.ProviderVault:
		if st.Vault == nil || !absoluteVaultPath(st.Vault.Path) {
			return // secretStores reports the mount
		}
		mount := st.Vault.Path
		if !absoluteVaultPath(key) {
			c.errorf(at, "Secret %s/%s: remoteKey %q is not an absolute Vault path: write the secret's path from Vault's root, under the mount of store %s, e.g. %q",
				ns, name, key, storeName, mount+"/"+strings.TrimPrefix(key, "/"))
			return
		}
		if !strings.HasPrefix(key, mount+"/") {
			c.errorf(at, "Secret %s/%s: remoteKey %q is not under %s, the KV mount of secret store %s; a store reads only its own mount",
				ns, name, key, mount, storeName)
		}
	case model.ProviderParameterStore:
		if strings.Contains(key, "/") && !strings.HasPrefix(key, "arn:") && !strings.HasPrefix(key, "/") {
			c.errorf(at, "Secret %s/%s: remoteKey %q is a Parameter Store name with a hierarchy, which must be absolute: %q",
				ns, name, key, "/"+key)
		}
	}
}
