package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// Every reference a rendered object makes resolves, kind by kind: to
// something rendered, to something the cluster has without gen, or (for
// Secrets) to a declaration; else the error points at the app's field, or
// at its patches when the objects as built did not make the reference.
func TestReferences(t *testing.T) {
	const (
		declared  = `namespaces: chatbot: secrets: "db-credentials": {provided: "by-hand", reason: "a runbook", keys: ["password", "user"]}` + "\n"
		patched   = `apps: web: patches: [{target: kind: "Deployment", patch: "[]"}]` + "\n"
		stateful  = `apps: web: {kind: "StatefulSet", storage: data: {size: "1Gi", storageClass: "fast", mountPath: "/data"}}` + "\n"
		secretEnv = `apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "password"}` + "\n"
	)
	at := func(field ...string) []string { return append(path("apps", "web"), field...) }
	// pod is a Deployment web in chatbot whose pod spec is spec.
	pod := func(spec map[string]any) object.Object {
		return with(obj("web", "apps/v1", "Deployment", "chatbot", "web"), "spec", map[string]any{"template": map[string]any{"spec": spec}})
	}
	// The app's pod's references, one field at a time.
	sa := func(name string) object.Object { return pod(map[string]any{"serviceAccountName": name}) }
	volume := func(v map[string]any) object.Object {
		return pod(map[string]any{"serviceAccountName": "web", "volumes": []any{v}})
	}
	env := func(e map[string]any) object.Object {
		return pod(map[string]any{"serviceAccountName": "web", "containers": []any{map[string]any{"name": "web", "env": []any{e}}}})
	}
	envFrom := func(e map[string]any) object.Object {
		return pod(map[string]any{"serviceAccountName": "web", "containers": []any{map[string]any{"name": "web", "envFrom": []any{e}}}})
	}
	keyRef := func(kind, name, key string, optional bool) map[string]any {
		sel := map[string]any{"name": name, "key": key}
		if optional {
			sel["optional"] = true
		}
		return map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{kind: sel}}
	}
	claims := func(class any) object.Object {
		spec := map[string]any{}
		if class != nil {
			spec["storageClassName"] = class
		}
		return with(obj("web", "apps/v1", "StatefulSet", "chatbot", "web"), "spec", map[string]any{
			"template":             map[string]any{"spec": map[string]any{"serviceAccountName": "web"}},
			"volumeClaimTemplates": []any{map[string]any{"metadata": map[string]any{"name": "data"}, "spec": spec}},
		})
	}
	class := func(name, provisioner string, isDefault bool) object.Object {
		o := with(obj("", "storage.k8s.io/v1", "StorageClass", "", name), "provisioner", provisioner)
		if isDefault {
			o.Content["metadata"].(map[string]any)["annotations"] = map[string]any{"storageclass.kubernetes.io/is-default-class": "true"}
		}
		return o
	}
	priority := func(name string) object.Object {
		return pod(map[string]any{"serviceAccountName": "web", "priorityClassName": name})
	}
	// What the environment renders besides the object under test.
	rendered := []object.Object{
		class("gp3", "ebs.csi.aws.com", true),
		obj("", "scheduling.k8s.io/v1", "PriorityClass", "", "batch-low"),
		obj("web", "v1", "ServiceAccount", "chatbot", "web"),
		with(obj("web", "v1", "ConfigMap", "chatbot", "web-env"), "data", map[string]any{"LOG_LEVEL": "info"}),
		with(obj("web", "v1", "PersistentVolumeClaim", "chatbot", "cache"), "spec", map[string]any{"storageClassName": "gp3"}),
		with(obj("db", "apps/v1", "StatefulSet", "chatbot", "db"), "spec", map[string]any{
			"volumeClaimTemplates": []any{map[string]any{"metadata": map[string]any{"name": "data"}, "spec": map[string]any{"storageClassName": "gp3"}}},
		}),
	}
	const secretFix = `declare how it reaches the cluster: namespaces: chatbot: secrets: tls: {provided: "external", store: "...", remoteKey: "...", keys: [...]} (or provided: "by-hand" with a reason)`
	tests := []struct {
		name string
		src  string
		// obj is the object under test; built is it as built, before
		// patches (default: obj).
		obj, built *object.Object
		// others replace the rendered objects besides obj.
		others []object.Object
		want   []problem
	}{
		// ServiceAccount
		{name: "ServiceAccount rendered", obj: new(sa("web"))},
		{name: "no serviceAccountName: default", obj: new(pod(map[string]any{}))},
		{name: "ServiceAccount default", obj: new(sa("default"))},
		{
			name: "ServiceAccount not rendered", obj: new(sa("api")),
			want: []problem{{at("serviceAccount"), "apps.web.serviceAccount: Deployment/chatbot/web: serviceAccountName references ServiceAccount chatbot/api, which nothing renders (ServiceAccounts in chatbot: default, web); use one of them (apps: <app>: serviceAccount: create: true renders the ServiceAccount <app>)"}},
		}, {
			name: "ServiceAccount misspelt", obj: new(sa("webb")),
			want: []problem{{at("serviceAccount"), "apps.web.serviceAccount: Deployment/chatbot/web: serviceAccountName references ServiceAccount chatbot/webb, which nothing renders (ServiceAccounts in chatbot: default, web); did you mean web?"}},
		}, {
			name: "ServiceAccount changed by a patch", src: patched, obj: new(sa("api")), built: new(sa("web")),
			want: []problem{{at("patches"), "apps.web.patches: Deployment/chatbot/web: serviceAccountName references ServiceAccount chatbot/api, which nothing renders (ServiceAccounts in chatbot: default, web); use one of them (apps: <app>: serviceAccount: create: true renders the ServiceAccount <app>)"}},
		},
		// ConfigMap
		{name: "ConfigMap envFrom, rendered", obj: new(envFrom(map[string]any{"configMapRef": map[string]any{"name": "web-env"}}))},
		{name: "ConfigMap key, rendered", obj: new(env(keyRef("configMapKeyRef", "web-env", "LOG_LEVEL", false)))},
		{name: "ConfigMap key missing, optional", obj: new(env(keyRef("configMapKeyRef", "web-env", "LEVEL", true)))},
		{name: "ConfigMap missing, optional", obj: new(volume(map[string]any{"name": "x", "configMap": map[string]any{"name": "other", "optional": true}}))},
		{name: "kube-root-ca.crt in every namespace", obj: new(volume(map[string]any{"name": "ca", "projected": map[string]any{"sources": []any{
			map[string]any{"configMap": map[string]any{"name": "kube-root-ca.crt", "items": []any{map[string]any{"key": "ca.crt", "path": "ca.crt"}}}},
		}}}))},
		{
			name: "ConfigMap key missing", obj: new(env(keyRef("configMapKeyRef", "web-env", "LOG_LEVL", false))),
			want: []problem{{at("config"), `apps.web.config: Deployment/chatbot/web: env DB_PASSWORD of container web references key "LOG_LEVL" of ConfigMap chatbot/web-env, which has only the keys LOG_LEVEL; did you mean LOG_LEVEL?`}},
		}, {
			name: "kube-root-ca.crt key missing", obj: new(volume(map[string]any{"name": "ca", "configMap": map[string]any{"name": "kube-root-ca.crt", "items": []any{map[string]any{"key": "ca.pem"}}}})),
			want: []problem{{at("config"), `apps.web.config: Deployment/chatbot/web: volume ca references key "ca.pem" of ConfigMap chatbot/kube-root-ca.crt, which has only the keys ca.crt`}},
		}, {
			name: "ConfigMap not rendered", obj: new(envFrom(map[string]any{"configMapRef": map[string]any{"name": "settings"}})),
			want: []problem{{at("config"), "apps.web.config: Deployment/chatbot/web: envFrom of container web references ConfigMap chatbot/settings, which nothing renders (ConfigMaps in chatbot: kube-root-ca.crt, web-env); use one of them (apps: <app>: config renders <app>-env from config.env and <app>-files from config.files)"}},
		}, {
			name: "ConfigMap volume added by a patch", src: patched,
			obj: new(volume(map[string]any{"name": "x", "configMap": map[string]any{"name": "web-evn"}})), built: new(sa("web")),
			want: []problem{{at("patches"), "apps.web.patches: Deployment/chatbot/web: volume x references ConfigMap chatbot/web-evn, which nothing renders (ConfigMaps in chatbot: kube-root-ca.crt, web-env); did you mean web-env?"}},
		},
		// Secret
		{name: "Secret key declared", src: declared, obj: new(env(keyRef("secretKeyRef", "db-credentials", "password", false)))},
		{name: "Secret envFrom, optional", obj: new(envFrom(map[string]any{"secretRef": map[string]any{"name": "tls", "optional": true}}))},
		{
			name: "Secret key rendered", obj: new(env(keyRef("secretKeyRef", "tls", "tls.crt", false))),
			others: append([]object.Object{with(obj("web", "v1", "Secret", "chatbot", "tls"), "data", map[string]any{"tls.crt": "eA=="})}, rendered...),
		}, {
			name: "Secret env of the app, not declared", src: secretEnv, obj: new(env(keyRef("secretKeyRef", "db-credentials", "password", false))),
			want: []problem{{at("env", "DB_PASSWORD"), `apps.web.env.DB_PASSWORD: Deployment/chatbot/web: env DB_PASSWORD of container web references Secret chatbot/db-credentials, which nothing renders and namespace chatbot does not declare (its secrets: none); declare how it reaches the cluster: namespaces: chatbot: secrets: "db-credentials": {provided: "external", store: "...", remoteKey: "...", keys: ["password"]} (or provided: "by-hand" with a reason)`}},
		}, {
			name: "Secret volume, not declared", src: declared, obj: new(volume(map[string]any{"name": "tls", "secret": map[string]any{"secretName": "tls"}})),
			want: []problem{{at(), "apps.web: Deployment/chatbot/web: volume tls references Secret chatbot/tls, which nothing renders and namespace chatbot does not declare (its secrets: db-credentials); " + secretFix}},
		}, {
			name: "Secret misspelt", src: declared, obj: new(envFrom(map[string]any{"secretRef": map[string]any{"name": "db-credential"}})),
			want: []problem{{at(), `apps.web: Deployment/chatbot/web: envFrom of container web references Secret chatbot/db-credential, which nothing renders and namespace chatbot does not declare (its secrets: db-credentials); did you mean db-credentials? Or declare how it reaches the cluster: namespaces: chatbot: secrets: "db-credential": {provided: "external", store: "...", remoteKey: "...", keys: [...]} (or provided: "by-hand" with a reason)`}},
		}, {
			name: "Secret key missing, in a projected volume", src: declared,
			obj: new(volume(map[string]any{"name": "db", "projected": map[string]any{"sources": []any{
				map[string]any{"secret": map[string]any{"name": "db-credentials", "items": []any{map[string]any{"key": "user"}, map[string]any{"key": "host"}}}},
			}}})),
			want: []problem{{at(), `apps.web: Deployment/chatbot/web: volume db references key "host" of Secret chatbot/db-credentials, which declares only the keys password, user`}},
		}, {
			name: "imagePullSecrets added by a patch", src: patched,
			obj: new(pod(map[string]any{"serviceAccountName": "web", "imagePullSecrets": []any{map[string]any{"name": "tls"}}})), built: new(sa("web")),
			want: []problem{{at("patches"), "apps.web.patches: Deployment/chatbot/web: imagePullSecrets references Secret chatbot/tls, which nothing renders and namespace chatbot does not declare (its secrets: none); " + secretFix}},
		},
		// PersistentVolumeClaim
		{name: "claim rendered", obj: new(volume(map[string]any{"name": "cache", "persistentVolumeClaim": map[string]any{"claimName": "cache"}}))},
		{name: "claim of a StatefulSet's template", obj: new(volume(map[string]any{"name": "backup", "persistentVolumeClaim": map[string]any{"claimName": "data-db-0"}}))},
		{
			name: "claim not rendered", obj: new(volume(map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": "data-db-x"}})),
			want: []problem{{at("storage"), `apps.web.storage: Deployment/chatbot/web: volume data references PersistentVolumeClaim chatbot/data-db-x, which nothing renders (PersistentVolumeClaims in chatbot: cache); give the app persistent storage instead: apps: web: {kind: "StatefulSet", storage: "data-db-x": {size: "10Gi", mountPath: "/data"}}`}},
		}, {
			name: "claim added by a patch", src: patched,
			obj: new(volume(map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": "cach"}})), built: new(sa("web")),
			want: []problem{{at("patches"), "apps.web.patches: Deployment/chatbot/web: volume data references PersistentVolumeClaim chatbot/cach, which nothing renders (PersistentVolumeClaims in chatbot: cache); did you mean cache?"}},
		},
		// StorageClass
		{name: "class rendered", obj: new(claims("gp3"))},
		{name: "EKS's gp2", obj: new(claims("gp2"))},
		{name: "no class, a default one", obj: new(claims(nil))},
		{
			name: "class neither rendered nor EKS's", src: stateful, obj: new(claims("fast")),
			want: []problem{{at("storage", "data", "storageClass"), `apps.web.storage.data.storageClass: StatefulSet/chatbot/web: volumeClaimTemplate data references StorageClass fast, which neither the environment renders nor EKS creates (StorageClasses: gp2, gp3); declare it: cluster: storageClasses: fast: type: "gp3"`}},
		}, {
			name: "class misspelt, on a claim", obj: new(with(obj("web", "v1", "PersistentVolumeClaim", "chatbot", "data"), "spec", map[string]any{"storageClassName": "gp33"})),
			want: []problem{{at("storage"), "apps.web.storage: PersistentVolumeClaim/chatbot/data: the claim references StorageClass gp33, which neither the environment renders nor EKS creates (StorageClasses: gp2, gp3); did you mean gp3?"}},
		}, {
			name: "no class, no default one", obj: new(claims(nil)), others: []object.Object{class("gp3", "ebs.csi.aws.com", false), obj("web", "v1", "ServiceAccount", "chatbot", "web")},
			want: []problem{{at("storage"), "apps.web.storage: StatefulSet/chatbot/web: volumeClaimTemplate data sets no storageClassName, so it needs the default StorageClass, and the environment marks none default (EKS marks none since Kubernetes 1.30); name one of gp2, gp3, or mark one default: cluster: storageClasses: gp3: default: true"}},
		}, {
			name: "the empty class", obj: new(claims("")),
			want: []problem{{at("storage"), `apps.web.storage: StatefulSet/chatbot/web: volumeClaimTemplate data sets storageClassName "", so it binds only to a PersistentVolume without a class, which nothing renders; name one of gp2, gp3`}},
		}, {
			name: "class with a provisioner nothing runs", obj: new(claims("efs")),
			others: append([]object.Object{class("efs", "efs.csi.aws.com", false)}, rendered...),
			want:   []problem{{at("storage"), "apps.web.storage: StatefulSet/chatbot/web: volumeClaimTemplate data references StorageClass efs, whose provisioner efs.csi.aws.com nothing in the cluster runs (volumes are provisioned by the aws-ebs-csi-driver add-on: ebs.csi.aws.com)"}},
		}, {
			name: "class changed by a patch", src: stateful + patched, obj: new(claims("fast")), built: new(claims("gp3")),
			want: []problem{{at("patches"), `apps.web.patches: StatefulSet/chatbot/web: volumeClaimTemplate data references StorageClass fast, which neither the environment renders nor EKS creates (StorageClasses: gp2, gp3); declare it: cluster: storageClasses: fast: type: "gp3"`}},
		},
		// PriorityClass
		{name: "system PriorityClass", obj: new(priority("system-node-critical"))},
		{name: "PriorityClass rendered", obj: new(priority("batch-low"))},
		{
			name: "PriorityClass not rendered", obj: new(priority("high")),
			want: []problem{{at(), "apps.web: Deployment/chatbot/web: priorityClassName references PriorityClass high, which nothing renders (PriorityClasses: batch-low, system-cluster-critical, system-node-critical); use one of them, or none"}},
		}, {
			name: "PriorityClass added by a patch", src: patched, obj: new(priority("batch-lo")), built: new(sa("web")),
			want: []problem{{at("patches"), "apps.web.patches: Deployment/chatbot/web: priorityClassName references PriorityClass batch-lo, which nothing renders (PriorityClasses: batch-low, system-cluster-critical, system-node-critical); did you mean batch-low?"}},
		},
		// The environment's own objects.
		{
			name: "a platform pod", obj: new(with(obj("", "apps/v1", "Deployment", "kube-system", "cluster-autoscaler"), "spec", map[string]any{
				"template": map[string]any{"spec": map[string]any{"serviceAccountName": "cluster-autoscaler"}},
			})),
			want: []problem{{path("cluster"), "cluster: Deployment/kube-system/cluster-autoscaler: serviceAccountName references ServiceAccount kube-system/cluster-autoscaler, which nothing renders (ServiceAccounts in kube-system: default); use one of them (apps: <app>: serviceAccount: create: true renders the ServiceAccount <app>)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			others := tt.others
			if others == nil {
				others = rendered
			}
			built := tt.built
			if built == nil {
				built = tt.obj
			}
			objs := append([]object.Object{*tt.obj}, others...)
			err := check.References(newEnv(t, web+tt.src), append([]object.Object{*built}, others...), objs)
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("References() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
