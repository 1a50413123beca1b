package argocd

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/gitops-gen/gen/generator/internal/custommetrics"
	"github.com/gitops-gen/gen/generator/model"
)

// controllerSyncOptions are the sync options of a controller's
// Application, beside those of every Application (syncOptions):
//
//   - SkipDryRunOnMissingResource=true: a chart brings its CRDs and, in the
//     same sync, objects of those kinds (the LBC's IngressClassParams, the
//     operator's ServiceMonitor); the dry run that precedes a sync would
//     refuse them while the CRD does not exist yet.
//
// ServerSideApply, which every Application has, matters here too: CRDs
// such as prometheus-operator's are larger than the annotation a
// client-side apply writes.
var controllerSyncOptions = []string{"SkipDryRunOnMissingResource=true"}

// ControllersProject returns the name of the AppProject of env's
// controllers: the environment's project's, with "-controllers".
func ControllersProject(cd *model.ArgoCD) string { return cd.Project + "-controllers" }

// controllersProject is the AppProject of the controllers' Applications:
// the chart repositories as the only sources and the controllers'
// namespaces as the only destinations. Its kinds are not listed: a chart
// creates CRDs, webhooks, RBAC, IngressClasses and APIServices that gen
// does not render and cannot list without rendering the chart; what
// bounds the project is that its sources are the pinned charts.
func (b *builder) controllersProject(names []string) appProject {
	repos := map[string]bool{}
	nss := map[string]bool{}
	for _, name := range names {
		c := b.env.Platform.Controllers[name]
		repos[c.Chart.RepoURL] = true
		nss[c.Namespace] = true
	}
	var dests []destination
	for _, ns := range slices.Sorted(maps.Keys(nss)) {
		dests = append(dests, destination{Name: b.cd.Destination, Namespace: ns})
	}
	every := []groupKind{{"*", "*"}}
	return appProject{
		APIVersion: APIVersion,
		Kind:       KindAppProject,
		Metadata: meta{
			Name:        ControllersProject(b.cd),
			Namespace:   b.cd.Namespace,
			Labels:      b.labels(partOfPlatform),
			Annotations: map[string]string{SyncWave: strconv.Itoa(waveProject)},
			Finalizers:  []string{finalizer},
		},
		Spec: appProjectSpec{
			Description:                fmt.Sprintf("The controllers of environment %s: pinned upstream Helm charts", b.env.Name),
			SourceRepos:                slices.Sorted(maps.Keys(repos)),
			Destinations:               dests,
			ClusterResourceWhitelist:   every,
			NamespaceResourceWhitelist: every,
		},
	}
}

// controller is the Application that installs c's chart at its exact
// version into its namespace, with its values, before the apps.
func (b *builder) controller(c *model.Controller) (application, error) {
	values, err := b.values(c)
	if err != nil {
		return application{}, err
	}
	a := application{
		APIVersion: APIVersion,
		Kind:       KindApplication,
		Metadata: meta{
			Name:        c.Name,
			Namespace:   b.cd.Namespace,
			Labels:      b.labels(partOfPlatform),
			Annotations: map[string]string{SyncWave: strconv.Itoa(waveControllers)},
			Finalizers:  []string{finalizer},
		},
		Spec: applicationSpec{
			Project: ControllersProject(b.cd),
			Source: source{
				RepoURL:        c.Chart.RepoURL,
				Chart:          c.Chart.Name,
				TargetRevision: c.Chart.Version,
				Helm:           &helm{ReleaseName: c.ReleaseName, ValuesObject: values},
			},
			Destination: destination{Name: b.cd.Destination, Namespace: c.Namespace},
			SyncPolicy:  b.syncPolicy(b.cd.AutoSync),
		},
	}
	opts := append(a.Spec.SyncPolicy.SyncOptions, controllerSyncOptions...)
	for _, d := range c.IgnoreDifferences {
		// The schema's entry has Argo CD's fields.
		a.Spec.IgnoreDifferences = append(a.Spec.IgnoreDifferences, ignoreDifferences(d))
	}
	if len(a.Spec.IgnoreDifferences) > 0 {
		opts = append(opts, respectIgnoreDifferences)
	}
	slices.Sort(opts)
	a.Spec.SyncPolicy.SyncOptions = opts
	slices.SortStableFunc(a.Spec.IgnoreDifferences, func(x, y ignoreDifferences) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Name, y.Name))
	})
	return a, nil
}

// values are c's chart values: the schema's, and for prometheus-adapter
// the rules that serve the custom metrics of the environment's HPAs
// ([custommetrics.Derive]).
func (b *builder) values(c *model.Controller) (map[string]any, error) {
	if c.Name != custommetrics.Controller {
		return c.Values, nil
	}
	rules, err := custommetrics.Derive(b.env)
	if err != nil {
		return nil, err
	}
	return rules.Values(c.Values), nil
}
