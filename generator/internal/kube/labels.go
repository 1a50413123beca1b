package kube

import (
	"maps"

	"github.com/gitops-gen/gen/generator/model"
)

// Label keys Build sets.
const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelPartOf    = "app.kubernetes.io/part-of"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelEnv       = "environment"

	managedBy = "gen"
)

// appLabels are the labels of every object of app and of its pods: the
// app's own labels, overridden by the standard ones, which always win so
// that selectors and ownership cannot be broken by user labels.
func appLabels(env string, app *model.App) map[string]string {
	l := make(map[string]string, len(app.Labels)+5)
	maps.Copy(l, app.Labels)
	maps.Copy(l, selectorLabels(env, app))
	l[labelPartOf] = app.PartOf
	l[labelManagedBy] = managedBy
	l[labelEnv] = env
	return l
}

// selectorLabels are the labels that select app's pods: only name and
// instance, which never change during the app's life (selectors of
// Deployments and StatefulSets are immutable).
func selectorLabels(env string, app *model.App) map[string]string {
	return map[string]string{
		labelName:     app.Name,
		labelInstance: app.Name + "-" + env,
	}
}

// namespaceLabels are the labels of a Namespace and its ResourceQuota: the
// namespace's own labels, overridden by the standard ones.
func namespaceLabels(env string, ns model.Namespace) map[string]string {
	l := make(map[string]string, len(ns.Labels)+2)
	maps.Copy(l, ns.Labels)
	l[labelManagedBy] = managedBy
	l[labelEnv] = env
	return l
}
