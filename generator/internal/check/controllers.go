package check

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/custommetrics"
	"github.com/gitops-gen/gen/generator/model"
)

// exactChartVersion is a Helm chart version that names one release: a
// semantic version, optionally with a "v", a pre-release and build
// metadata. Ranges ("^3.5", "~3", ">=3", "3.x", "*") and "latest" are
// not.
var exactChartVersion = lazyRegexp(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// roleARN matches an IAM role's ARN.
var roleARN = lazyRegexp(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/`)

// controllers checks each enabled controller: its chart version names one
// release, a per-node pod states no replicas, and the IAM role its
// chart's values name (if any) is the one its serviceAccount.iamRole gives
// the ClusterConfig. prometheus-adapter needs prometheus-operator, and its
// rules must serve the apps' custom metrics.
func (c *checker) controllers() {
	if adapter, ok := c.env.Controller(custommetrics.Controller); ok {
		if _, ok := c.env.Controller("prometheus-operator"); !ok {
			prom, _ := adapter.Values["prometheus"].(map[string]any)
			c.errorf(adapter.Path("enabled"),
				"controller %s serves metrics from the Prometheus that prometheus-operator runs (%v:%v), but prometheus-operator is not enabled; set: platform: controllers: \"prometheus-operator\": enabled: true",
				adapter.Name, prom["url"], prom["port"])
		}
		_, errs := custommetrics.Derive(c.env)
		c.errs = cueerrors.Append(c.errs, errs)
	}
	for _, name := range c.env.EnabledControllers() {
		ctl := c.env.Platform.Controllers[name]
		if v := ctl.Chart.Version; !exactChartVersion().MatchString(v) {
			what := fmt.Sprintf("%q is not an exact version", v)
			if v == "latest" || v == "" || v == "*" {
				what = fmt.Sprintf("%q is not a version", v)
			}
			c.errorf(ctl.Path("chart.version"),
				"controller %s: chart version %s: Argo CD would install whatever %s serves for it that day, so two syncs a month apart could differ; pin one release, e.g. \"1.2.3\"",
				name, what, ctl.Chart.RepoURL)
		}
		for _, pod := range slices.Sorted(maps.Keys(ctl.Pods)) {
			if p := ctl.Pods[pod]; p.PerNode && p.Replicas != nil {
				c.errorf(ctl.Path("pods."+model.Label(pod)+".replicas"),
					"controller %s: pod %s is perNode, a DaemonSet's: it runs one pod on every node of the node groups its nodeSelector and tolerations admit, so replicas %d would count nothing; remove replicas, or perNode for a workload that runs a number of pods",
					name, pod, *p.Replicas)
			}
		}
		want := ""
		if ctl.ServiceAccount.IAMRole != "" {
			want = c.env.Cluster.RoleARN(ctl.ServiceAccount.IAMRole)
		}
		walkStrings(ctl.Values, "values", func(path, s string) {
			if !roleARN().MatchString(s) || s == want {
				return
			}
			if want == "" {
				c.errorf(ctl.Path(path),
					"controller %s: the chart's values name IAM role %s, but serviceAccount.iamRole is not set, so the ClusterConfig creates no role for %s/%s; set the role once, in serviceAccount.iamRole",
					name, s, ctl.Namespace, ctl.ServiceAccount.Name)
				return
			}
			c.errorf(ctl.Path(path),
				"controller %s: the chart's values name IAM role %s, but serviceAccount.iamRole is %s (%s), which the ClusterConfig creates for %s/%s: the role is wired two ways; set it once, in serviceAccount.iamRole",
				name, s, ctl.ServiceAccount.IAMRole, want, ctl.Namespace, ctl.ServiceAccount.Name)
		})
	}
}

// walkStrings calls f with the CUE path and value of every string in v
// (decoded JSON), in a stable order.
func walkStrings(v any, path string, f func(path, s string)) {
	switch v := v.(type) {
	case string:
		f(path, v)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			walkStrings(v[k], path+"."+model.Label(k), f)
		}
	case []any:
		for i, e := range v {
			walkStrings(e, path+"["+strconv.Itoa(i)+"]", f)
		}
	}
}
