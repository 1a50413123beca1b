package check_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// Each value the API server would refuse is refused at render time, at
// the app's field that produced it; the values next to each limit pass.
func TestAPI(t *testing.T) {
	const src = web + `apps: web: {
	labels: team: "x"
	annotations: note: "x"
	config: files: "app.yaml": "x"
	disruption: minAvailable: 1
	probes: readiness: port: "http"
}
`
	at := func(field ...string) []string { return append(path("apps", "web"), field...) }
	meta := func(o object.Object, key string, v any) object.Object {
		o.Content["metadata"].(map[string]any)[key] = v
		return o
	}
	deployment := func(container map[string]any) object.Object {
		container["name"] = "web"
		return with(obj("web", "apps/v1", "Deployment", "shop", "web"), "spec", map[string]any{
			"template": map[string]any{"spec": map[string]any{"containers": []any{container}}},
		})
	}
	resources := func(list, name, q string) object.Object {
		return deployment(map[string]any{"resources": map[string]any{list: map[string]any{name: q}}})
	}
	tmpDir := func(sizeLimit string) object.Object {
		o := deployment(map[string]any{})
		spec := object.Lookup(o.Content, "spec", "template", "spec").(map[string]any)
		spec["volumes"] = []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{"sizeLimit": sizeLimit}}}
		return o
	}
	probe := func(p map[string]any) object.Object {
		return deployment(map[string]any{"readinessProbe": p})
	}
	n := func(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }
	pdb := func(f string, v any) object.Object {
		return with(obj("web", "policy/v1", "PodDisruptionBudget", "shop", "web"), "spec", map[string]any{f: v})
	}
	cronJob := func(name, schedule string) object.Object {
		return with(obj("web", "batch/v1", "CronJob", "shop", name), "spec", map[string]any{"schedule": schedule})
	}
	configMap := func(data map[string]any) object.Object {
		return with(obj("web", "v1", "ConfigMap", "shop", "web-files"), "data", data)
	}
	service := func(port map[string]any) object.Object {
		return with(obj("web", "v1", "Service", "shop", "web"), "spec", map[string]any{"ports": []any{port}})
	}
	ingress := func(host string) object.Object {
		return with(obj("web", "networking.k8s.io/v1", "Ingress", "shop", "web"), "spec", map[string]any{"rules": []any{map[string]any{"host": host}}})
	}
	tests := []struct {
		name string
		obj  object.Object
		want []problem
	}{
		// Names per kind.
		{name: "subdomain name", obj: obj("web", "v1", "ConfigMap", "shop", "web.files-1")},
		{
			name: "name with capitals", obj: obj("web", "v1", "ConfigMap", "shop", "Web"),
			want: []problem{{at(), `apps.web: ConfigMap/shop/Web: metadata.name: "Web" is not a DNS-1123 subdomain: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		}, {
			name: "Service name with a dot", obj: obj("web", "v1", "Service", "shop", "web.v1"),
			want: []problem{{at(), `apps.web: Service/shop/web.v1: metadata.name: "web.v1" is not a DNS-1035 label: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`}},
		},
		{name: "CronJob name of 52", obj: cronJob(strings.Repeat("a", 52), "@daily")},
		{
			name: "CronJob name of 53", obj: cronJob(strings.Repeat("a", 53), "@daily"),
			want: []problem{{at(), `apps.web: CronJob/shop/` + strings.Repeat("a", 53) + `: metadata.name: "` + strings.Repeat("a", 53) + `" is not a DNS-1123 subdomain: must be no more than 52 characters (the CronJob controller appends 11 to name its Jobs)`}},
		},
		// Labels and annotations.
		{name: "label value of 63", obj: meta(obj("web", "v1", "ConfigMap", "shop", "web"), "labels", map[string]any{"team": strings.Repeat("a", 63)})},
		{
			name: "label value of 64", obj: meta(obj("web", "v1", "ConfigMap", "shop", "web"), "labels", map[string]any{"team": strings.Repeat("a", 64)}),
			want: []problem{{at("labels", "team"), `apps.web.labels.team: ConfigMap/shop/web: metadata.labels: label team value "` + strings.Repeat("a", 64) + `": must be no more than 63 bytes`}},
		}, {
			name: "label key with a space", obj: meta(obj("web", "v1", "ConfigMap", "shop", "web"), "labels", map[string]any{"my team": "a"}),
			want: []problem{{at("labels"), `apps.web.labels: ConfigMap/shop/web: metadata.labels: label key "my team": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`}},
		}, {
			name: "annotation key with two slashes", obj: meta(obj("web", "v1", "ConfigMap", "shop", "web"), "annotations", map[string]any{"a/b/c": "x"}),
			want: []problem{{at("annotations"), `apps.web.annotations: ConfigMap/shop/web: metadata.annotations: key "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`}},
		},
		{name: "annotations of 256 KiB", obj: meta(obj("web", "v1", "ConfigMap", "shop", "web"), "annotations", map[string]any{"note": strings.Repeat("x", 256*1024-4)})},
		{
			name: "annotations over 256 KiB", obj: meta(obj("web", "v1", "ConfigMap", "shop", "web"), "annotations", map[string]any{"note": strings.Repeat("x", 256*1024-3)}),
			want: []problem{{at("annotations"), `apps.web.annotations: ConfigMap/shop/web: metadata.annotations: annotations total 262145 bytes, over the API server's limit of 262144 (256 KiB)`}},
		},
		// ConfigMaps.
		{name: "ConfigMap of 1 MiB", obj: configMap(map[string]any{"app.yaml": strings.Repeat("x", 1024*1024-8)})},
		{
			name: "ConfigMap over 1 MiB", obj: configMap(map[string]any{"app.yaml": strings.Repeat("x", 1024*1024-7)}),
			want: []problem{{at("config", "files"), `apps.web.config.files: ConfigMap/shop/web-files: data: 1048577 bytes of data, over the API server's limit of 1048576 (1 MiB)`}},
		}, {
			name: "ConfigMap key ..", obj: configMap(map[string]any{"..": "x"}),
			want: []problem{{at("config", "files"), `apps.web.config.files: ConfigMap/shop/web-files: data: key "..": must not be '..'`}},
		}, {
			name: "ConfigMap key with a slash", obj: configMap(map[string]any{"a/b": "x"}),
			want: []problem{{at("config", "files"), `apps.web.config.files: ConfigMap/shop/web-files: data: key "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`}},
		},
		// Quantities.
		{name: "CPU at the int64 of millicores", obj: resources("requests", "cpu", "9223372036854775806m")},
		{
			name: "CPU overflows millicores", obj: resources("requests", "cpu", "9223372036854776"),
			want: []problem{{at("resources", "requests", "cpu"), `apps.web.resources.requests.cpu: Deployment/shop/web: container web resources.requests.cpu: "9223372036854776" is too large: it must fit a 64-bit integer of millicores (below 9223372036854775807m)`}},
		}, {
			name: "memory past an int64, clamped by the parser", obj: resources("limits", "memory", "8Ei"),
			want: []problem{{at("resources", "limits", "memory"), `apps.web.resources.limits.memory: Deployment/shop/web: container web resources.limits.memory: "8Ei" is too large: it must fit a 64-bit integer of units (below 9223372036854775807)`}},
		}, {
			// Compared as it is, it would take minutes and gigabytes: the
			// number is a billion digits long.
			name: "a huge exponent is refused before it is compared", obj: resources("requests", "cpu", "1e999999999"),
			want: []problem{{at("resources", "requests", "cpu"), `apps.web.resources.requests.cpu: Deployment/shop/web: container web resources.requests.cpu: "1e999999999" is too large: its exponent is above 99 (no quantity the API server accepts has one)`}},
		}, {
			name: "exponent 100", obj: resources("limits", "memory", "5E100"),
			want: []problem{{at("resources", "limits", "memory"), `apps.web.resources.limits.memory: Deployment/shop/web: container web resources.limits.memory: "5E100" is too large: its exponent is above 99 (no quantity the API server accepts has one)`}},
		}, {
			name: "exponent 99 is compared", obj: resources("limits", "memory", "1e99"),
			want: []problem{{at("resources", "limits", "memory"), `apps.web.resources.limits.memory: Deployment/shop/web: container web resources.limits.memory: "1e99" is too large: it must fit a 64-bit integer of units (below 9223372036854775807)`}},
		}, {
			name: "a small exponent with leading zeros", obj: resources("limits", "memory", "1e0009"),
		}, {
			name: "negative quantity", obj: resources("limits", "memory", "-1Mi"),
			want: []problem{{at("resources", "limits", "memory"), `apps.web.resources.limits.memory: Deployment/shop/web: container web resources.limits.memory: "-1Mi" must be greater than or equal to 0`}},
		}, {
			name: "quantity that does not parse", obj: resources("limits", "memory", "1MB"),
			want: []problem{{at("resources", "limits", "memory"), `apps.web.resources.limits.memory: Deployment/shop/web: container web resources.limits.memory: "1MB" is not a Kubernetes quantity: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`}},
		},
		{name: "ephemeral storage", obj: resources("limits", "ephemeral-storage", "1Gi")},
		{
			name: "ephemeral storage that does not parse", obj: resources("requests", "ephemeral-storage", "1GB"),
			want: []problem{{at("resources", "requests", `"ephemeral-storage"`), `apps.web.resources.requests."ephemeral-storage": Deployment/shop/web: container web resources.requests.ephemeral-storage: "1GB" is not a Kubernetes quantity: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`}},
		}, {
			name: "emptyDir sizeLimit", obj: tmpDir("-1Gi"),
			want: []problem{{at("resources", "limits", `"ephemeral-storage"`), `apps.web.resources.limits."ephemeral-storage": Deployment/shop/web: volume tmp emptyDir.sizeLimit: "-1Gi" must be greater than or equal to 0`}},
		},
		{name: "emptyDir sizeLimit in range", obj: tmpDir("1Gi")},
		// Disruption budgets.
		{name: "PDB 100%", obj: pdb("maxUnavailable", "100%")},
		{name: "PDB 0%", obj: pdb("minAvailable", "0%")},
		{
			name: "PDB 150%", obj: pdb("minAvailable", "150%"),
			want: []problem{{at("disruption", "minAvailable"), `apps.web.disruption.minAvailable: PodDisruptionBudget/shop/web: spec.minAvailable: "150%" must be a percentage from 0% to 100%`}},
		}, {
			name: "PDB not a percentage", obj: pdb("maxUnavailable", "half"),
			want: []problem{{at("disruption", "maxUnavailable"), `apps.web.disruption.maxUnavailable: PodDisruptionBudget/shop/web: spec.maxUnavailable: "half" must be an integer or a percentage (e.g. "50%")`}},
		}, {
			name: "PDB negative", obj: pdb("minAvailable", n(-1)),
			want: []problem{{at("disruption", "minAvailable"), `apps.web.disruption.minAvailable: PodDisruptionBudget/shop/web: spec.minAvailable: -1 must be greater than or equal to 0`}},
		},
		// CronJob schedules.
		{name: "schedule", obj: cronJob("web", "*/5 * * * 1-5")},
		{
			name: "schedule minute 61", obj: cronJob("web", "61 * * * *"),
			want: []problem{{at("schedule"), `apps.web.schedule: CronJob/shop/web: spec.schedule: "61 * * * *" is not a cron schedule: end of range (61) above maximum (59): 61`}},
		}, {
			name: "schedule with a time zone", obj: cronJob("web", "TZ=UTC 0 * * * *"),
			want: []problem{{at("schedule"), `apps.web.schedule: CronJob/shop/web: spec.schedule: "TZ=UTC 0 * * * *": a time zone in the schedule is not supported; use spec.timeZone`}},
		},
		// Ports and probes.
		{
			name: "containerPort 0", obj: deployment(map[string]any{"ports": []any{map[string]any{"containerPort": n(0)}}}),
			want: []problem{{at("ports"), `apps.web.ports: Deployment/shop/web: container web: containerPort 0 must be from 1 to 65535`}},
		}, {
			name: "probe port 65536", obj: probe(map[string]any{"tcpSocket": map[string]any{"port": n(65536)}}),
			want: []problem{{at("probes", "readiness"), `apps.web.probes.readiness: Deployment/shop/web: container web readinessProbe.tcpSocket.port: 65536 must be from 1 to 65535`}},
		}, {
			name: "probe period negative", obj: probe(map[string]any{"periodSeconds": n(-1)}),
			want: []problem{{at("probes", "readiness"), `apps.web.probes.readiness: Deployment/shop/web: container web readinessProbe.periodSeconds: -1 must be greater than or equal to 0`}},
		}, {
			name: "probe terminationGracePeriodSeconds 0", obj: probe(map[string]any{"terminationGracePeriodSeconds": n(0)}),
			want: []problem{{at("probes", "readiness"), `apps.web.probes.readiness: Deployment/shop/web: container web readinessProbe.terminationGracePeriodSeconds: 0 must be greater than 0`}},
		}, {
			name: "Service port 70000", obj: service(map[string]any{"port": n(70000), "targetPort": "http"}),
			want: []problem{{at("services"), `apps.web.services: Service/shop/web: spec.ports[0].port: 70000 must be from 1 to 65535`}},
		},
		// Ingress hosts.
		{name: "Ingress wildcard host", obj: ingress("*.example.com")},
		{
			name: "Ingress host with an underscore", obj: ingress("my_app.example.com"),
			want: []problem{{at("ingress", "hosts"), `apps.web.ingress.hosts: Ingress/shop/web: spec.rules[0].host: "my_app.example.com" is not a DNS name: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		},
		// UTF-8.
		{
			name: "invalid UTF-8", obj: configMap(map[string]any{"app.yaml": "caf\xe9"}),
			want: []problem{{at(), `apps.web: ConfigMap/shop/web-files: data.app.yaml: "caf\xe9" is not valid UTF-8`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(check.API(newEnv(t, src), []object.Object{tt.obj}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("API() problems (-want +got):\n%s", diff)
			}
		})
	}
}
