package kube

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
)

// secretStores are a store of each provider, as the schema fills them in:
// AWS Secrets Manager for namespace chatbot, Parameter Store and Vault
// for every namespace.
const secretStores = `
namespaces: chatbot: {}
namespaces: shop: {}
secretStores: {
	chatbot: {
		namespace: "chatbot"
		provider:  "aws-secrets-manager"
		aws: iamRole: "chatbot-prod-chatbot-secrets"
	}
	params: {
		provider: "aws-parameter-store"
		aws: {iamRole: "chatbot-prod-params", region: "eu-west-1"}
	}
	vault: {
		provider: "vault"
		vault: {
			server: "https://vault.example.com:8200"
			path:   "/secret"
			namespace: "platform"
			auth: kubernetes: role: "external-secrets"
		}
	}
}
`

// secretObjectsOf returns the objects of env's secret stores and external
// Secrets: the External Secrets Operator's and the stores' ServiceAccounts.
func secretObjectsOf(t *testing.T, src string) []object.Object {
	t.Helper()
	var out []object.Object
	for _, o := range build(t, envWith(t, src)) {
		if o.Group() == "external-secrets.io" || o.Kind() == "ServiceAccount" && strings.HasPrefix(o.Name(), "secret-store-") {
			out = append(out, o)
		}
	}
	return out
}

func TestSecretObjects(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want map[string]map[string]any // object ID -> fields (dotted path) -> value
	}{
		{
			name: "AWS Secrets Manager store of a namespace, through IRSA",
			src:  secretStores,
			want: map[string]map[string]any{
				"ServiceAccount/chatbot/secret-store-chatbot": {
					"metadata.annotations": map[string]any{roleARNAnnotation: "arn:aws:iam::123456789012:role/chatbot-prod-chatbot-secrets"},
				},
				"SecretStore/chatbot/chatbot": {
					"spec.provider.aws": map[string]any{
						"service": "SecretsManager",
						"region":  "ap-south-1",
						"auth":    map[string]any{"jwt": map[string]any{"serviceAccountRef": map[string]any{"name": "secret-store-chatbot"}}},
					},
				},
			},
		},
		{
			name: "Parameter Store for every namespace: a ClusterSecretStore, its ServiceAccount in the operator's namespace",
			src:  secretStores,
			want: map[string]map[string]any{
				"ServiceAccount/external-secrets/secret-store-params": {
					"metadata.annotations": map[string]any{roleARNAnnotation: "arn:aws:iam::123456789012:role/chatbot-prod-params"},
				},
				"ClusterSecretStore/params": {
					"metadata.namespace": nil,
					"spec.provider.aws": map[string]any{
						"service": "ParameterStore",
						"region":  "eu-west-1",
						"auth": map[string]any{"jwt": map[string]any{"serviceAccountRef": map[string]any{
							"name": "secret-store-params", "namespace": "external-secrets",
						}}},
					},
				},
			},
		},
		{
			name: "Vault with Kubernetes auth: paths relative to Vault's root as the operator wants them",
			src:  secretStores,
			want: map[string]map[string]any{
				"ServiceAccount/external-secrets/secret-store-vault": {"metadata.annotations": nil},
				"ClusterSecretStore/vault": {
					"spec.provider.vault": map[string]any{
						"server":    "https://vault.example.com:8200",
						"path":      "secret",
						"version":   "v2",
						"namespace": "platform",
						"auth": map[string]any{"kubernetes": map[string]any{
							"mountPath": "kubernetes",
							"role":      "external-secrets",
							"serviceAccountRef": map[string]any{
								"name": "secret-store-vault", "namespace": "external-secrets",
							},
						}},
					},
				},
			},
		},
		{
			name: "ExternalSecret: exactly the declared keys, each from its property, into a Secret it owns",
			src: secretStores + `
namespaces: chatbot: secrets: "mongodb-credentials": {
	provided:  "external"
	store:     "chatbot"
	remoteKey: "prod/chatbot/mongodb"
	keys: ["password", "username", "ca.crt"]
	property: {username: "user", "ca.crt": null}
}`,
			want: map[string]map[string]any{
				"ExternalSecret/chatbot/mongodb-credentials": {
					"spec": map[string]any{
						"refreshInterval": "1h",
						"secretStoreRef":  map[string]any{"kind": "SecretStore", "name": "chatbot"},
						"target":          map[string]any{"name": "mongodb-credentials", "creationPolicy": "Owner"},
						"data": []any{
							map[string]any{"secretKey": "ca.crt", "remoteRef": map[string]any{"key": "prod/chatbot/mongodb"}},
							map[string]any{"secretKey": "password", "remoteRef": map[string]any{"key": "prod/chatbot/mongodb", "property": "password"}},
							map[string]any{"secretKey": "username", "remoteRef": map[string]any{"key": "prod/chatbot/mongodb", "property": "user"}},
						},
					},
				},
			},
		},
		{
			name: "ExternalSecret from Vault: the absolute path made relative to the store's mount",
			src: secretStores + `
namespaces: shop: secrets: "api-keys": {
	provided:        "external"
	store:           "vault"
	remoteKey:       "/secret/shop/api"
	refreshInterval: "15m"
	keys: ["stripe"]
}`,
			want: map[string]map[string]any{
				"ExternalSecret/shop/api-keys": {
					"spec.refreshInterval": "15m",
					"spec.secretStoreRef":  map[string]any{"kind": "ClusterSecretStore", "name": "vault"},
					"spec.data":            []any{map[string]any{"secretKey": "stripe", "remoteRef": map[string]any{"key": "shop/api", "property": "stripe"}}},
				},
			},
		},
		{
			name: "by-hand Secrets render nothing",
			src: secretStores + `
namespaces: chatbot: secrets: tls: {provided: "by-hand", reason: "from the CA", keys: ["tls.crt"]}`,
			want: map[string]map[string]any{"ExternalSecret/chatbot/tls": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := secretObjectsOf(t, tt.src)
			byID := map[string]object.Object{}
			for _, o := range objs {
				byID[o.ID()] = o
			}
			for id, fields := range tt.want {
				o, ok := byID[id]
				if fields == nil {
					if ok {
						t.Errorf("%s rendered, want none", id)
					}
					continue
				}
				if !ok {
					t.Fatalf("no %s among %d objects", id, len(objs))
				}
				for field, want := range fields {
					path := strings.Split(field, ".")
					if diff := cmp.Diff(want, o.Lookup(path...)); diff != "" {
						t.Errorf("%s %s mismatch (-want +got):\n%s", id, field, diff)
					}
				}
			}
		})
	}
}

// TestSecretObjectsMatchCRDs validates every secret store and
// ExternalSecret Build renders, of every provider, against the External
// Secrets Operator's CRDs (unknown fields rejected).
func TestSecretObjectsMatchCRDs(t *testing.T) {
	objs := secretObjectsOf(t, secretStores+`
namespaces: chatbot: secrets: a: {provided: "external", store: "chatbot", remoteKey: "prod/a", keys: ["x"], property: x: null}
namespaces: shop: secrets: b: {provided: "external", store: "params", remoteKey: "/shop/b", keys: ["y"]}
namespaces: shop: secrets: c: {provided: "external", store: "vault", remoteKey: "/secret/shop/c", keys: ["z"]}
`)
	crds := map[string]string{
		KindSecretStore:        "external-secrets.io_secretstores.yaml",
		KindClusterSecretStore: "external-secrets.io_clustersecretstores.yaml",
		KindExternalSecret:     "external-secrets.io_externalsecrets.yaml",
	}
	seen := map[string]int{}
	for _, o := range objs {
		file, ok := crds[o.Kind()]
		if !ok {
			continue
		}
		seen[o.Kind()]++
		if o.APIVersion() != ExternalSecretsAPIVersion {
			t.Errorf("%s: apiVersion %s, want %s", o.ID(), o.APIVersion(), ExternalSecretsAPIVersion)
		}
		if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", file), o.Content); err != nil {
			t.Errorf("%s does not satisfy its CRD: %v\n%v", o.ID(), err, o.Content)
		}
	}
	if diff := cmp.Diff(map[string]int{KindSecretStore: 1, KindClusterSecretStore: 2, KindExternalSecret: 3}, seen); diff != "" {
		t.Errorf("objects per kind mismatch (-want +got):\n%s", diff)
	}
}

// TestSecretTypesMatchCRDs sets every field of the local types (so that
// omitempty hides none) and validates them against the CRDs, which
// schematest closes: every field name and JSON type must be the
// operator's.
func TestSecretTypesMatchCRDs(t *testing.T) {
	for _, tt := range []struct {
		name, crd, kind string
		v               any
		// fix undoes what filling every field breaks: one provider per
		// store, the store's kind in secretStoreRef.
		fix func(content map[string]any)
	}{
		{"SecretStore aws", "external-secrets.io_secretstores.yaml", KindSecretStore, &secretStore{},
			func(c map[string]any) { delete(c["spec"].(map[string]any)["provider"].(map[string]any), "vault") }},
		{"ClusterSecretStore vault", "external-secrets.io_clustersecretstores.yaml", KindClusterSecretStore, &secretStore{},
			func(c map[string]any) { delete(c["spec"].(map[string]any)["provider"].(map[string]any), "aws") }},
		{"ExternalSecret", "external-secrets.io_externalsecrets.yaml", KindExternalSecret, &externalSecret{},
			func(c map[string]any) {
				c["spec"].(map[string]any)["secretStoreRef"].(map[string]any)["kind"] = KindClusterSecretStore
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			content := schematest.Filled(t, tt.v, map[string]string{
				"apiVersion": ExternalSecretsAPIVersion, "kind": tt.kind,
				"service": "SecretsManager", "version": "v2", "creationPolicy": "Owner",
				"secretKey": "password", "name": "chatbot", "namespace": "chatbot",
			})
			tt.fix(content)
			if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", tt.crd), content); err != nil {
				t.Errorf("ValidateCRD(every field set) = %v\n%v", err, content)
			}
		})
	}
}

func TestSecretObjectsErrors(t *testing.T) {
	env := envWith(t, secretStores+`
namespaces: shop: secrets: b: {provided: "external", store: "chatbot", remoteKey: "b", keys: ["y"]}
`)
	if _, err := Build(env); err == nil || !strings.Contains(err.Error(), `store "chatbot" is a SecretStore of namespace chatbot`) {
		t.Errorf("Build() error = %v, want the store of another namespace", err)
	}
	env = envWith(t, secretStores+`
namespaces: shop: secrets: b: {provided: "external", store: "nope", remoteKey: "b", keys: ["y"]}
`)
	if _, err := Build(env); err == nil || !strings.Contains(err.Error(), `store "nope" does not exist`) {
		t.Errorf("Build() error = %v, want the unknown store", err)
	}
}
