package check_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// Every Secret an app references must be declared by its namespace, with
// the key: gen renders no Secret.
func TestSecretRefs(t *testing.T) {
	const declared = `namespaces: chatbot: secrets: "db-credentials": {provided: "by-hand", reason: "a runbook", keys: ["password", "user"]}` + "\n"
	tests := []struct {
		name, src string
		want      []problem
	}{{
		name: "declared, with the key",
		src:  declared + `apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "password"}`,
	}, {
		name: "literal values need nothing",
		src:  `apps: web: env: LOG_LEVEL: "info"`,
	}, {
		name: "not declared",
		src:  `apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "password"}`,
		want: []problem{{path("apps", "web", "env", "DB_PASSWORD"),
			`apps.web.env.DB_PASSWORD: env DB_PASSWORD references Secret chatbot/db-credentials, which nothing renders and namespace chatbot does not declare (its secrets: none); declare how it reaches the cluster: namespaces: chatbot: secrets: "db-credentials": {provided: "external", store: "...", remoteKey: "...", keys: ["password"]} (or provided: "by-hand" with a reason)`}},
	}, {
		name: "declared in another namespace only",
		src: `namespaces: "koorde-cache": secrets: "db-credentials": {provided: "by-hand", reason: "a runbook", keys: ["password"]}
namespaces: chatbot: secrets: other: {provided: "by-hand", reason: "a runbook", keys: ["x"]}
apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "password"}`,
		want: []problem{{path("apps", "web", "env", "DB_PASSWORD"),
			`apps.web.env.DB_PASSWORD: env DB_PASSWORD references Secret chatbot/db-credentials, which nothing renders and namespace chatbot does not declare (its secrets: other); declare how it reaches the cluster: namespaces: chatbot: secrets: "db-credentials": {provided: "external", store: "...", remoteKey: "...", keys: ["password"]} (or provided: "by-hand" with a reason)`}},
	}, {
		name: "a key the Secret does not declare",
		src:  declared + `apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "passwd"}`,
		want: []problem{{path("apps", "web", "env", "DB_PASSWORD"),
			`apps.web.env.DB_PASSWORD: env DB_PASSWORD references key "passwd" of Secret chatbot/db-credentials, which declares only the keys password, user; did you mean password?`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(check.Environment(newEnv(t, web+tt.src)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Environment() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// stores are a secret store of each provider: AWS Secrets Manager for
// namespace chatbot, Parameter Store and Vault for every namespace.
const stores = `namespaces: shop: {}
cluster: iam: roles: {
	"chatbot-prod-secrets": policyARNs: ["arn:aws:iam::123456789012:policy/read"]
	"chatbot-prod-params": policyARNs: ["arn:aws:iam::123456789012:policy/read"]
}
secretStores: {
	sm: {namespace: "chatbot", provider: "aws-secrets-manager", aws: iamRole: "chatbot-prod-secrets"}
	params: {provider: "aws-parameter-store", aws: iamRole: "chatbot-prod-params"}
	vault: {provider: "vault", vault: {server: "https://vault.example.com", path: "/secret", auth: kubernetes: role: "shop"}}
}
`

// External Secrets: each Secret provided "external" names a store that
// may serve its namespace, with a remote key the store can read, and the
// ExternalSecret produces exactly its keys.
func TestExternalSecrets(t *testing.T) {
	external := func(ns, store, key string) string {
		return `namespaces: ` + ns + `: secrets: s: {provided: "external", store: "` + store + `", remoteKey: "` + key + `", keys: ["password"]}` + "\n"
	}
	secret := func(ns string, field ...string) []string {
		return append([]string{"namespaces", ns, "secrets", "s"}, field...)
	}
	tests := []struct {
		name, src string
		want      []problem
	}{{
		name: "each provider, with a key it can read",
		src: external("chatbot", "sm", "prod/chatbot/db") + external("shop", "params", "/shop/db") +
			`namespaces: "koorde-cache": secrets: s: {provided: "external", store: "vault", remoteKey: "/secret/koorde/db", keys: ["password"], property: password: null}` + "\n" +
			`apps: web: env: DB_PASSWORD: {secret: "s", key: "password"}`,
	}, {
		name: "a Parameter Store name without hierarchy, or an ARN, needs no slash",
		src:  external("shop", "params", "db-password") + `namespaces: chatbot: secrets: t: {provided: "external", store: "params", remoteKey: "arn:aws:ssm:ap-south-1:123456789012:parameter/a/b", keys: ["x"]}`,
	}, {
		name: "an unknown store",
		src:  external("chatbot", "sn", "prod/db"),
		want: []problem{{secret("chatbot", "store"),
			`namespaces.chatbot.secrets.s.store: Secret chatbot/s names secret store "sn", which the environment does not declare (secretStores: params, sm, vault); did you mean sm? declare it: secretStores: sn: {provider: "aws-secrets-manager", aws: iamRole: "..."}`}},
	}, {
		name: "a SecretStore of another namespace",
		src:  external("shop", "sm", "prod/db"),
		want: []problem{{secret("shop", "store"),
			`namespaces.shop.secrets.s.store: Secret shop/s names secret store sm, a SecretStore of namespace chatbot, which no other namespace may use; use a store of namespace shop or one without a namespace (a ClusterSecretStore)`}},
	}, {
		name: "a relative Vault path, and one outside the store's mount",
		src:  external("shop", "vault", "shop/db") + external("chatbot", "vault", "/kv/chatbot/db"),
		want: []problem{
			{secret("chatbot", "remoteKey"), `namespaces.chatbot.secrets.s.remoteKey: Secret chatbot/s: remoteKey "/kv/chatbot/db" is not under /secret, the KV mount of secret store vault; a store reads only its own mount`},
			{secret("shop", "remoteKey"), `namespaces.shop.secrets.s.remoteKey: Secret shop/s: remoteKey "shop/db" is not an absolute Vault path: write the secret's path from Vault's root, under the mount of store vault, e.g. "/secret/shop/db"`},
		},
	}, {
		name: "a Parameter Store hierarchy that is not absolute",
		src:  external("shop", "params", "shop/db"),
		want: []problem{{secret("shop", "remoteKey"),
			`namespaces.shop.secrets.s.remoteKey: Secret shop/s: remoteKey "shop/db" is a Parameter Store name with a hierarchy, which must be absolute: "/shop/db"`}},
	}, {
		name: "a property for a key the Secret does not have",
		src:  `namespaces: chatbot: secrets: s: {provided: "external", store: "sm", remoteKey: "db", keys: ["password"], property: passwd: "pw"}`,
		want: []problem{{secret("chatbot", "property", "passwd"),
			`namespaces.chatbot.secrets.s.property.passwd: Secret chatbot/s: property names key "passwd", which is not among its keys (password); add it to keys or remove it`}},
	}, {
		name: "a key the ExternalSecret does not produce",
		src:  external("chatbot", "sm", "db") + `apps: web: env: DB_USER: {secret: "s", key: "username"}`,
		want: []problem{{path("apps", "web", "env", "DB_USER"),
			`apps.web.env.DB_USER: env DB_USER references key "username" of Secret chatbot/s, which its ExternalSecret produces only the keys password`}},
	}, {
		name: "relative Vault mounts",
		src:  `secretStores: v2: {provider: "vault", vault: {server: "https://vault.example.com", path: "secret/", auth: kubernetes: {mountPath: "kubernetes", role: "r"}}}`,
		want: []problem{
			{path("secretStores", "v2", "vault", "path"), `secretStores.v2.vault.path: secret store v2: the KV secrets engine's mount "secret/" is not an absolute Vault path: write it from Vault's root, as its API and policies name it, e.g. "/secret"`},
			{path("secretStores", "v2", "vault", "auth", "kubernetes", "mountPath"), `secretStores.v2.vault.auth.kubernetes.mountPath: secret store v2: the Kubernetes auth method's mount "kubernetes" is not an absolute Vault path: write it from Vault's root, as its API and policies name it, e.g. "/kubernetes"`},
		},
	}, {
		name: "a SecretStore of a namespace the environment does not have",
		src:  `secretStores: x: {namespace: "nope", provider: "aws-secrets-manager", aws: iamRole: "chatbot-prod-secrets"}`,
		want: []problem{{path("secretStores", "x", "namespace"),
			`secretStores.x.namespace: secret store x is a SecretStore of namespace "nope", which is not one of the environment's namespaces (argo-rollouts, chatbot, external-secrets, koorde-cache, logging, monitoring, shop)`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(check.Environment(newEnv(t, web+stores+tt.src)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Environment() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A Secret that carries values is refused wherever it comes from, at the
// app's patches, without its value; one without values is not.
func TestSecretData(t *testing.T) {
	secret := func(app, name string, fields map[string]any) object.Object {
		content := map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": name, "namespace": "chatbot"}}
		maps.Copy(content, fields)
		return object.Object{App: app, Content: content}
	}
	objs := []object.Object{
		secret("web", "a", map[string]any{"stringData": map[string]any{"token": "hunter2-hunter2"}}),
		secret("web", "b", map[string]any{"data": map[string]any{}}),
		secret("", "c", map[string]any{"data": map[string]any{"token": "aHVudGVy"}}),
		secret("web", "d", nil),
		{App: "web", Content: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "e", "namespace": "chatbot"}, "data": map[string]any{"k": "v"}}},
	}
	got := problems(check.SecretData(newEnv(t, web), objs))
	fix := `would commit its values to Git in rendered/; declare it under namespaces: chatbot: secrets: %s with provided: "external" (an ExternalSecret reads it from a secret store) or provided: "by-hand", and remove it from the patches`
	want := []problem{
		{path("apps", "web", "patches"), "apps.web.patches: Secret/chatbot/a: a Secret with data or stringData " + fmt.Sprintf(fix, "a")},
		{path("namespaces"), "namespaces: Secret/chatbot/c: a Secret with data or stringData " + fmt.Sprintf(fix, "c")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SecretData() mismatch (-want +got):\n%s", diff)
	}
	for _, p := range got {
		if strings.Contains(p.Error, "hunter2") || strings.Contains(p.Error, "aHVudGVy") {
			t.Errorf("the error shows the value: %s", p.Error)
		}
	}
}
