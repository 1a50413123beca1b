package kube

import (
	"fmt"

	"github.com/gitops-gen/gen/generator/model"
)

// partOfPlatform is the part-of label of the objects that belong to the
// cluster rather than to an app.
const partOfPlatform = "platform"

// platformObjects returns the environment-wide objects that the cluster
// brings (rendered under platform/ with the Namespaces): the Cluster
// Autoscaler, when it is enabled, one StorageClass per storage class, the
// IngressClasses of isolated ingress groups, the NetworkPolicies of the
// controllers' webhooks, and the secret stores and ExternalSecrets (see
// secretObjects), in no particular order.
func platformObjects(env *model.Environment) ([]any, error) {
	objs, err := autoscalerObjects(env)
	if err != nil {
		return nil, fmt.Errorf("autoscaler: %w", err)
	}
	secrets, err := secretObjects(env)
	if err != nil {
		return nil, err
	}
	objs = append(objs, secrets...)
	for _, sc := range storageClasses(env) {
		objs = append(objs, sc)
	}
	objs = append(objs, ingressClasses(env)...)
	pols, err := controllerPolicies(env)
	if err != nil {
		return nil, err
	}
	mon, err := monitoringPolicies(env)
	if err != nil {
		return nil, err
	}
	objs = append(objs, pols...)
	return append(objs, mon...), nil
}

// platformLabels are the labels of a platform component's objects (and
// pods): the component's name, when it has one, and the standard labels.
// They carry no app.kubernetes.io/instance: each environment is its own
// cluster, so the name alone is unique.
func platformLabels(env, name string) map[string]string {
	l := map[string]string{
		labelPartOf:    partOfPlatform,
		labelManagedBy: managedBy,
		labelEnv:       env,
	}
	if name != "" {
		l[labelName] = name
	}
	return l
}
