package check

import (
	"fmt"
	"github.com/gitops-gen/gen/generator/internal/suggest"
	"maps"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// What exists in every namespace, or every cluster, without gen: the
// API server creates a "default" ServiceAccount and the kube-root-ca.crt
// ConfigMap (key ca.crt) in every namespace, and the two system
// PriorityClasses in every cluster
// (https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/).
var (
	builtinServiceAccounts = []string{"default"}
	builtinConfigMaps      = map[string][]string{"kube-root-ca.crt": {"ca.crt"}}
	builtinPriorityClasses = []string{"system-cluster-critical", "system-node-critical"}
)

// References reports each reference in the rendered objects that resolves
// to nothing: a ServiceAccount, ConfigMap (or one of its keys), Secret (or
// one of its keys), PersistentVolumeClaim, StorageClass or PriorityClass
// that neither the environment renders nor the cluster has without it
// (Secrets: nor a namespace declares). The API server would accept such
// an object and its pods would never start, or its claims never bind.
// Optional references (optional: true) need nothing.
//
// Each error names the object and the reference, lists what exists, and
// is positioned at the app's field that produced the reference, or at the
// app's patches when built, the objects as they were before the patches,
// do not make it. A StorageClass must also have a provisioner that a
// cluster of gen's can run, the EBS CSI driver's; whether the cluster
// runs that driver is the capability table's question (see
// [Capabilities]).
func References(env *model.Environment, built, objs []object.Object) error {
	r := newResolver(env, objs)
	fromBuild := map[string]bool{}
	for _, o := range built {
		for _, ref := range o.Refs() {
			fromBuild[refKey(o, ref)] = true
		}
	}
	var errs cueerrors.Error
	for _, o := range objs {
		for _, ref := range o.Refs() {
			if ref.Optional {
				continue
			}
			for _, msg := range r.resolve(o, ref) {
				at := refPath(env, o, ref, fromBuild)
				errs = cueerrors.Append(errs, env.Errorf(at, "%s: %s %s", o.ID(), refField(ref), msg))
			}
		}
	}
	if errs == nil {
		return nil
	}
	return errs
}

// refKey identifies a reference of an object, to find it among others.
func refKey(o object.Object, ref object.Ref) string { return fmt.Sprintf("%s %+v", o.ID(), ref) }

// refField names where a reference is written, for messages: "volume
// data", "env DB_URL of container web".
func refField(ref object.Ref) string {
	switch ref.Field {
	case object.Env:
		return fmt.Sprintf("env %s of container %s", ref.Item, ref.Container)
	case object.EnvFrom:
		return "envFrom of container " + ref.Container
	case object.Volume, object.ClaimTemplate:
		return string(ref.Field) + " " + ref.Item
	case object.StorageClassName:
		return "the claim"
	}
	return string(ref.Field)
}

// refPath is the CUE path of the field that produced a reference: the
// app's patches when the app has some and the object as built does not
// make the reference; else the app's field that renders it; "cluster" for
// the environment's own objects.
func refPath(env *model.Environment, o object.Object, ref object.Ref, fromBuild map[string]bool) string {
	app := env.Apps[o.App]
	if app == nil {
		return "cluster"
	}
	if len(app.Patches) > 0 && !fromBuild[refKey(o, ref)] {
		return app.Path("patches")
	}
	if _, ok := app.Env[ref.Item]; ok && ref.Field == object.Env {
		return app.Path("env." + model.Label(ref.Item))
	}
	switch {
	case ref.Field == object.ServiceAccountName:
		return app.Path("serviceAccount")
	case ref.Kind == "ConfigMap":
		return app.Path("config")
	case ref.Field == object.ClaimTemplate:
		if _, ok := app.Storage[ref.Item]; ok {
			return app.Path("storage." + model.Label(ref.Item) + ".storageClass")
		}
		return app.Path("storage")
	case ref.Kind == "StorageClass" || ref.Kind == "PersistentVolumeClaim":
		return app.Path("storage")
	}
	return app.Path("")
}

// resolver finds what references name among the rendered objects.
type resolver struct {
	env *model.Environment
	// names holds the rendered objects by kind and namespace ("" for
	// cluster-scoped kinds), then by name.
	names   map[[2]string]map[string]object.Object
	classes storageClasses
}

func newResolver(env *model.Environment, objs []object.Object) *resolver {
	r := &resolver{env: env, names: map[[2]string]map[string]object.Object{}, classes: classesOf(objs)}
	for _, o := range objs {
		k := [2]string{o.Kind(), o.Namespace()}
		if r.names[k] == nil {
			r.names[k] = map[string]object.Object{}
		}
		r.names[k][o.Name()] = o
	}
	return r
}

// rendered returns the rendered objects of kind in namespace ns, by name.
func (r *resolver) rendered(kind, ns string) map[string]object.Object {
	return r.names[[2]string{kind, ns}]
}

// resolve returns what is wrong with a reference of o, each problem a
// phrase that follows refField(ref) ("references ServiceAccount …");
// none when it resolves.
func (r *resolver) resolve(o object.Object, ref object.Ref) []string {
	ns := o.Namespace()
	switch ref.Kind {
	case "ServiceAccount":
		return r.named(ref, ns, builtinServiceAccounts,
			"use one of them (apps: <app>: serviceAccount: create: true renders the ServiceAccount <app>)")
	case "PriorityClass":
		return r.named(ref, "", builtinPriorityClasses, "use one of them, or none")
	case "ConfigMap":
		return r.configMap(ref, ns)
	case "Secret":
		return r.secret(ref, ns)
	case "PersistentVolumeClaim":
		return r.claim(ref, ns, o.App)
	case "StorageClass":
		return r.storageClass(ref)
	}
	return nil
}

// named resolves a reference to an object that either the environment
// renders or the cluster has (builtin); fix says what to do instead when
// no name is close.
func (r *resolver) named(ref object.Ref, ns string, builtin []string, fix string) []string {
	if _, ok := r.rendered(ref.Kind, ns)[ref.Name]; ok || slices.Contains(builtin, ref.Name) {
		return nil
	}
	return []string{r.nothingRenders(ref, ns, builtin, fix)}
}

// nothingRenders says that a reference names an object that nothing
// renders, lists those of its kind that exist (the rendered ones and
// builtin) and suggests the closest, or fix.
func (r *resolver) nothingRenders(ref object.Ref, ns string, builtin []string, fix string) string {
	names := slices.Sorted(slices.Values(append(slices.Collect(maps.Keys(r.rendered(ref.Kind, ns))), builtin...)))
	where := ""
	if ns != "" {
		where = " in " + ns
	}
	return fmt.Sprintf("references %s %s, which nothing renders (%s%s: %s); %s",
		ref.Kind, qualified(ns, ref.Name), kinds(ref.Kind), where, orNone(names), didYouMean(ref.Name, names, fix))
}

func (r *resolver) configMap(ref object.Ref, ns string) []string {
	keys, ok := builtinConfigMaps[ref.Name]
	if cm, rendered := r.rendered("ConfigMap", ns)[ref.Name]; rendered {
		keys, ok = cm.DataKeys(), true
	}
	if !ok {
		return []string{r.nothingRenders(ref, ns, slices.Collect(maps.Keys(builtinConfigMaps)),
			"use one of them (apps: <app>: config renders <app>-env from config.env and <app>-files from config.files)")}
	}
	return missingKeys("ConfigMap", ns, ref, "has", keys)
}

func (r *resolver) secret(ref object.Ref, ns string) []string {
	if s, ok := r.rendered("Secret", ns)[ref.Name]; ok {
		return missingKeys("Secret", ns, ref, "has", s.DataKeys())
	}
	decl, ok := r.env.Namespaces[ns].Secrets[ref.Name]
	if !ok {
		return []string{undeclaredSecret(r.env, ns, ref.Name, ref.Keys)}
	}
	return missingKeys("Secret", ns, ref, keysVerb(decl), decl.Keys)
}

// missingKeys returns a problem for each key the reference reads that is
// not among have.
func missingKeys(kind, ns string, ref object.Ref, verb string, have []string) []string {
	var out []string
	for _, k := range ref.Keys {
		if !slices.Contains(have, k) {
			out = append(out, missingKey(kind, ns, ref.Name, k, verb, have))
		}
	}
	return out
}

// claim resolves a volume's claim: a PersistentVolumeClaim the environment
// renders, or one a StatefulSet of the namespace creates from its
// volumeClaimTemplates (<template>-<statefulset>-<ordinal>).
func (r *resolver) claim(ref object.Ref, ns, app string) []string {
	if _, ok := r.rendered("PersistentVolumeClaim", ns)[ref.Name]; ok {
		return nil
	}
	for name, sts := range r.rendered("StatefulSet", ns) {
		for _, t := range sts.Refs() {
			if t.Field != object.ClaimTemplate {
				continue
			}
			ordinal, ok := strings.CutPrefix(ref.Name, t.Item+"-"+name+"-")
			if ok && ordinal != "" && strings.Trim(ordinal, "0123456789") == "" {
				return nil
			}
		}
	}
	if app == "" {
		app = "<app>"
	}
	return []string{r.nothingRenders(ref, ns, nil,
		fmt.Sprintf(`give the app persistent storage instead: apps: %s: {kind: "StatefulSet", storage: %s: {size: "10Gi", mountPath: "/data"}}`, model.Label(app), model.Label(ref.Name)))}
}

func (r *resolver) storageClass(ref object.Ref) []string {
	names := strings.Join(r.classes.names(), ", ")
	switch {
	case ref.Unset && r.classes.def == "":
		// gp3 is always among the classes an environment declares.
		return []string{fmt.Sprintf("sets no storageClassName, so it needs the default StorageClass, and the environment marks none default (EKS marks none since Kubernetes 1.30); name one of %s, or mark one default: cluster: storageClasses: gp3: default: true", names)}
	case ref.Name == "" && !ref.Unset:
		return []string{fmt.Sprintf(`sets storageClassName "", so it binds only to a PersistentVolume without a class, which nothing renders; name one of %s`, names)}
	}
	if class, ok := r.classes.class(ref); ok {
		// The EBS CSI driver is the only provisioner a cluster of gen's
		// runs; whether it runs is the capability table's question.
		if p := r.classes.provisioners[class]; !isEBS(p) {
			return []string{fmt.Sprintf("references StorageClass %s, whose provisioner %s nothing in the cluster runs (volumes are provisioned by the aws-ebs-csi-driver add-on: %s)", class, p, ebsProvisioner)}
		}
		return nil
	}
	return []string{fmt.Sprintf("references StorageClass %s, which neither the environment renders nor EKS creates (StorageClasses: %s); %s", ref.Name, names,
		didYouMean(ref.Name, r.classes.names(), fmt.Sprintf(`declare it: cluster: storageClasses: %s: type: "gp3"`, model.Label(ref.Name))))}
}

// didYouMean returns "did you mean X?" for the name among names closest to
// name, else fix.
func didYouMean(name string, names []string, fix string) string {
	if c := suggest.Closest(name, names); c != "" {
		return fmt.Sprintf("did you mean %s?", c)
	}
	return fix
}

// qualified names an object: ns/name, or name when cluster-scoped.
func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// kinds is the plural of a kind: "ServiceAccounts", "PriorityClasses".
func kinds(kind string) string {
	if strings.HasSuffix(kind, "s") {
		return kind + "es"
	}
	return kind + "s"
}
