package kube

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitops-gen/gen/generator/model"
)

// ExternalSecretsAPIVersion is the API version of the External Secrets
// Operator's objects gen renders (the operator's v1, served since 0.17 and
// the only one of chart 2.x).
const ExternalSecretsAPIVersion = "external-secrets.io/v1"

// The kinds of the External Secrets Operator gen renders.
const (
	KindSecretStore        = "SecretStore"
	KindClusterSecretStore = "ClusterSecretStore"
	KindExternalSecret     = "ExternalSecret"
)

// The local types of the External Secrets Operator's objects, with the
// operator's field names (external-secrets.io/v1); the tests validate them
// against its CRDs.
type (
	secretStore struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Metadata   esMeta          `json:"metadata"`
		Spec       secretStoreSpec `json:"spec"`
	}
	esMeta struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace,omitempty"`
		Labels      map[string]string `json:"labels,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty"`
	}
	secretStoreSpec struct {
		Provider storeProvider `json:"provider"`
	}
	storeProvider struct {
		AWS   *awsProvider   `json:"aws,omitempty"`
		Vault *vaultProvider `json:"vault,omitempty"`
	}
	awsProvider struct {
		Service string  `json:"service"`
		Region  string  `json:"region"`
		Auth    awsAuth `json:"auth"`
	}
	awsAuth struct {
		JWT jwtAuth `json:"jwt"`
	}
	jwtAuth struct {
		ServiceAccountRef serviceAccountRef `json:"serviceAccountRef"`
	}
	serviceAccountRef struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace,omitempty"`
	}
	vaultProvider struct {
		Server    string    `json:"server"`
		Path      string    `json:"path"`
		Version   string    `json:"version"`
		Namespace string    `json:"namespace,omitempty"`
		Auth      vaultAuth `json:"auth"`
	}
	vaultAuth struct {
		Kubernetes vaultKubernetesAuth `json:"kubernetes"`
	}
	vaultKubernetesAuth struct {
		MountPath         string            `json:"mountPath"`
		Role              string            `json:"role"`
		ServiceAccountRef serviceAccountRef `json:"serviceAccountRef"`
	}

	externalSecret struct {
		APIVersion string             `json:"apiVersion"`
		Kind       string             `json:"kind"`
		Metadata   esMeta             `json:"metadata"`
		Spec       externalSecretSpec `json:"spec"`
	}
	externalSecretSpec struct {
		RefreshInterval string               `json:"refreshInterval"`
		SecretStoreRef  secretStoreRef       `json:"secretStoreRef"`
		Target          externalSecretTarget `json:"target"`
		Data            []externalSecretData `json:"data"`
	}
	secretStoreRef struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	}
	externalSecretTarget struct {
		Name           string `json:"name"`
		CreationPolicy string `json:"creationPolicy"`
	}
	externalSecretData struct {
		SecretKey string    `json:"secretKey"`
		RemoteRef remoteRef `json:"remoteRef"`
	}
	remoteRef struct {
		Key      string `json:"key"`
		Property string `json:"property,omitempty"`
	}
)

// awsServices maps the AWS providers to the operator's service names.
var awsServices = map[string]string{
	model.ProviderSecretsManager: "SecretsManager",
	model.ProviderParameterStore: "ParameterStore",
}

// secretObjects returns the objects of the environment's secret stores and
// external Secrets, in no particular order: per store its ServiceAccount
// (with the IRSA role of an AWS store) and its SecretStore or
// ClusterSecretStore, and per Secret provided "external" the ExternalSecret
// that produces it. What check.Environment refuses (an unknown store, a
// store of another namespace, a store without its provider's settings) is
// an error here too.
func secretObjects(env *model.Environment) ([]any, error) {
	var out []any
	for _, name := range slices.Sorted(maps.Keys(env.SecretStores)) {
		objs, err := storeObjects(env, name)
		if err != nil {
			return nil, fmt.Errorf("secret store %s: %w", name, err)
		}
		out = append(out, objs...)
	}
	for _, ns := range slices.Sorted(maps.Keys(env.Namespaces)) {
		secrets := env.Namespaces[ns].Secrets
		for _, name := range slices.Sorted(maps.Keys(secrets)) {
			s := secrets[name]
			if s.Provided != model.ProvidedExternal {
				continue
			}
			es, err := externalSecretOf(env, ns, name, s)
			if err != nil {
				return nil, fmt.Errorf("secret %s/%s: %w", ns, name, err)
			}
			out = append(out, es)
		}
	}
	return out, nil
}

// storeObjects returns the ServiceAccount and the (Cluster)SecretStore of
// the store name.
func storeObjects(env *model.Environment, name string) ([]any, error) {
	st := env.SecretStores[name]
	saNamespace, saName := env.StoreServiceAccount(name)
	labels := platformLabels(env.Base(), saName)
	sa := &corev1.ServiceAccount{
		TypeMeta:   serviceAccountType,
		ObjectMeta: metav1.ObjectMeta{Name: saName, Namespace: saNamespace, Labels: labels},
	}
	store := &secretStore{
		APIVersion: ExternalSecretsAPIVersion,
		Kind:       KindSecretStore,
		Metadata:   esMeta{Name: name, Namespace: st.Namespace, Labels: platformLabels(env.Base(), name)},
	}
	ref := serviceAccountRef{Name: saName}
	if st.Namespace == "" {
		store.Kind = KindClusterSecretStore
		ref.Namespace = saNamespace
	}
	switch st.Provider {
	case model.ProviderSecretsManager, model.ProviderParameterStore:
		if st.AWS == nil || st.AWS.IAMRole == "" {
			return nil, fmt.Errorf("provider %s has no IAM role", st.Provider)
		}
		sa.Annotations = map[string]string{roleARNAnnotation: env.Cluster.RoleARN(st.AWS.IAMRole)}
		store.Spec.Provider.AWS = &awsProvider{
			Service: awsServices[st.Provider],
			Region:  st.AWS.Region,
			Auth:    awsAuth{JWT: jwtAuth{ServiceAccountRef: ref}},
		}
	case model.ProviderVault:
		v := st.Vault
		if v == nil || v.Auth.Kubernetes.Role == "" {
			return nil, fmt.Errorf("provider vault has no Vault role")
		}
		store.Spec.Provider.Vault = &vaultProvider{
			Server:    v.Server,
			Path:      strings.Trim(v.Path, "/"),
			Version:   v.Version,
			Namespace: v.Namespace,
			Auth: vaultAuth{Kubernetes: vaultKubernetesAuth{
				MountPath:         strings.Trim(v.Auth.Kubernetes.MountPath, "/"),
				Role:              v.Auth.Kubernetes.Role,
				ServiceAccountRef: ref,
			}},
		}
	default:
		return nil, fmt.Errorf("unknown provider %q", st.Provider)
	}
	return []any{sa, store}, nil
}

// externalSecretOf returns the ExternalSecret that produces the Secret
// ns/name: exactly its keys, each from its property of the remote key,
// into a Secret of that name that the ExternalSecret owns (deleted with
// it).
func externalSecretOf(env *model.Environment, ns, name string, s model.ProvidedSecret) (*externalSecret, error) {
	st, ok := env.SecretStores[s.Store]
	if !ok {
		return nil, fmt.Errorf("store %q does not exist", s.Store)
	}
	if st.Namespace != "" && st.Namespace != ns {
		return nil, fmt.Errorf("store %q is a SecretStore of namespace %s", s.Store, st.Namespace)
	}
	kind := KindClusterSecretStore
	if st.Namespace != "" {
		kind = KindSecretStore
	}
	key := RemoteKey(st, s.RemoteKey)
	es := &externalSecret{
		APIVersion: ExternalSecretsAPIVersion,
		Kind:       KindExternalSecret,
		Metadata:   esMeta{Name: name, Namespace: ns, Labels: platformLabels(env.Base(), name)},
		Spec: externalSecretSpec{
			RefreshInterval: s.RefreshInterval,
			SecretStoreRef:  secretStoreRef{Kind: kind, Name: s.Store},
			Target:          externalSecretTarget{Name: name, CreationPolicy: "Owner"},
		},
	}
	for _, k := range slices.Sorted(slices.Values(s.Keys)) {
		d := externalSecretData{SecretKey: k, RemoteRef: remoteRef{Key: key}}
		if p, ok := s.PropertyOf(k); ok {
			d.RemoteRef.Property = p
		}
		es.Spec.Data = append(es.Spec.Data, d)
	}
	es.Spec.Data = slices.CompactFunc(es.Spec.Data, func(a, b externalSecretData) bool { return a.SecretKey == b.SecretKey })
	return es, nil
}

// RemoteKey returns the operator's remoteRef.key for the remote key a
// Secret declares in store st: a Vault path is written absolute, with the
// store's mount ("/secret/chatbot/mongodb"), and the operator wants it
// relative to the mount ("chatbot/mongodb"); the AWS names are the
// operator's as they are.
func RemoteKey(st model.SecretStore, key string) string {
	if st.Provider != model.ProviderVault || st.Vault == nil {
		return key
	}
	mount := "/" + strings.Trim(st.Vault.Path, "/") + "/"
	return strings.TrimPrefix(key, mount)
}
