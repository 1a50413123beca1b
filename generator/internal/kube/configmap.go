package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// checksumAnnotation on the pod template carries a hash of the app's config,
// so that a config change changes the template and rolls the pods.
const checksumAnnotation = "checksum/config"

// configVolume is the name of the pod volume that holds the config files.
const configVolume = "config"

// envConfigMapName and filesConfigMapName name the app's ConfigMaps.
func envConfigMapName(app string) string   { return app + "-env" }
func filesConfigMapName(app string) string { return app + "-files" }

// configMaps returns the app's ConfigMaps (<app>-env for config.env and
// <app>-files for config.files, each only when not empty, then
// <app>-<sidecar>-files for each sidecar's config files) and the checksum
// of their data, "" when there is none.
func configMaps(in *instance) ([]*corev1.ConfigMap, string) {
	cfg := in.app.Config
	var cms []*corev1.ConfigMap
	if len(cfg.Env) > 0 {
		cms = append(cms, in.configMap(envConfigMapName(in.app.Name), cfg.Env))
	}
	if len(cfg.Files) > 0 {
		cms = append(cms, in.configMap(filesConfigMapName(in.app.Name), cfg.Files))
	}
	sidecars := sidecarFiles(in.app)
	for _, name := range slices.Sorted(maps.Keys(sidecars)) {
		cms = append(cms, in.configMap(sidecarConfigName(in.app.Name, name), sidecars[name]))
	}
	if len(cms) == 0 {
		return nil, ""
	}
	return cms, configChecksum(cfg.Env, cfg.Files, sidecars)
}

func (in *instance) configMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: configMapType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: in.app.Namespace,
			Labels:    in.labels,
		},
		Data: data,
	}
}

// configChecksum is the SHA-256, in hex, of the canonical JSON of the data
// maps: {"env":{…},"files":{…}} with sorted keys (encoding/json sorts map
// keys), a missing map written as {}, and "sidecars":{<sidecar>:{…}} only
// when a sidecar has config files (so that the checksum of an app without
// them is what it was before sidecars existed, and its pods do not roll).
func configChecksum(env, files map[string]string, sidecars map[string]map[string]string) string {
	if env == nil {
		env = map[string]string{}
	}
	if files == nil {
		files = map[string]string{}
	}
	// Marshalling string maps cannot fail.
	b, _ := json.Marshal(struct {
		Env      map[string]string            `json:"env"`
		Files    map[string]string            `json:"files"`
		Sidecars map[string]map[string]string `json:"sidecars,omitempty"`
	}{env, files, sidecars})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
