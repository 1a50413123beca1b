package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

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
// <app>-files for config.files, each only when not empty) and the checksum of
// their data, "" when there is none.
func configMaps(in *instance) ([]*corev1.ConfigMap, string) {
	cfg := in.app.Config
	var cms []*corev1.ConfigMap
	if len(cfg.Env) > 0 {
		cms = append(cms, in.configMap(envConfigMapName(in.app.Name), cfg.Env))
	}
	if len(cfg.Files) > 0 {
		cms = append(cms, in.configMap(filesConfigMapName(in.app.Name), cfg.Files))
	}
	if len(cms) == 0 {
		return nil, ""
	}
	return cms, configChecksum(cfg.Env, cfg.Files)
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

// configChecksum is the SHA-256, in hex, of the canonical JSON of both data
// maps: {"env":{…},"files":{…}} with sorted keys (encoding/json sorts map
// keys), a missing map written as {}.
func configChecksum(env, files map[string]string) string {
	if env == nil {
		env = map[string]string{}
	}
	if files == nil {
		files = map[string]string{}
	}
	// Marshalling string maps cannot fail.
	b, _ := json.Marshal(struct {
		Env   map[string]string `json:"env"`
		Files map[string]string `json:"files"`
	}{env, files})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
