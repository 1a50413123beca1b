package check

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/robfig/cron/v3"
	"gopkg.in/inf.v0"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Limits the API server applies (k8s.io/kubernetes/pkg/apis/core and
// apimachinery's ValidateObjectMeta).
const (
	// maxAnnotationsSize is the total size of an object's annotation keys
	// and values (apimachinery TotalAnnotationSizeLimitB).
	maxAnnotationsSize = 256 * 1024
	// maxConfigMapSize is the total size of a ConfigMap's or Secret's data
	// (core.MaxSecretSize).
	maxConfigMapSize = 1024 * 1024
	// maxCronJobName leaves room for the 11 characters the CronJob
	// controller appends to a Job's name, itself a label value.
	maxCronJobName = 52
)

// API reports values in the rendered objects that the API server would
// refuse, so that they fail the pull request rather than Argo CD's sync:
// names per kind, label keys and values, annotation keys and total size,
// ConfigMap and Secret keys and total size, resource quantities (CPU in
// millicores, memory and ephemeral storage in bytes must fit an int64;
// emptyDir size limits too), PodDisruptionBudget
// percentages, CronJob schedules (parsed with the parser the CronJob
// controller uses), container, Service and probe ports and probe timings,
// Ingress hosts, and strings that are not valid UTF-8.
//
// It uses apimachinery's validation functions and targeted checks rather
// than k8s.io/kubernetes/pkg/apis/*/validation: those validate internal
// types, which would need the API server's conversion and defaulting
// machinery for every kind; the rules here are the ones gen's objects can
// break. Each error names the object and the field, and is positioned at
// the app's field that produced the value (the app itself when no single
// field did; the environment's namespaces for platform objects).
func API(env *model.Environment, objs []object.Object) error {
	var errs cueerrors.Error
	seen := map[string]bool{}
	memo := &apiMemo{}
	for _, o := range objs {
		v := &apiValidator{env: env, obj: o, app: env.Apps[o.App], seen: seen, memo: memo}
		v.validate()
		errs = cueerrors.Append(errs, v.errs)
	}
	if errs == nil {
		return nil
	}
	return errs
}

// apiValidator validates one object.
type apiValidator struct {
	env  *model.Environment
	obj  object.Object
	app  *model.App // nil for the environment's own objects
	errs cueerrors.Error
	// seen holds the problems reported, by path and message: a label of
	// an app's is on each of its objects, and is reported once, with the
	// first object.
	seen map[string]bool
	memo *apiMemo
}

// apiMemo remembers what apimachinery's validation said of the label and
// annotation keys and label values it was asked about: every object of
// an app carries the same labels, and a regular expression checks each.
type apiMemo struct {
	labelKeys, labelValues, annotationKeys map[string][]string
}

// remember returns f(s), computed once per s in m.
func remember(m *map[string][]string, s string, f func(string) []string) []string {
	msgs, ok := (*m)[s]
	if !ok {
		if *m == nil {
			*m = map[string][]string{}
		}
		msgs = f(s)
		(*m)[s] = msgs
	}
	return msgs
}

func (m *apiMemo) labelKey(k string) []string {
	return remember(&m.labelKeys, k, validation.IsQualifiedName)
}

func (m *apiMemo) labelValue(val string) []string {
	return remember(&m.labelValues, val, validation.IsValidLabelValue)
}

func (m *apiMemo) annotationKey(k string) []string {
	return remember(&m.annotationKeys, k, func(k string) []string { return validation.IsQualifiedName(strings.ToLower(k)) })
}

// at returns the path of the app's field, the app when field is "", or
// the environment's namespaces for an object of no app.
func (v *apiValidator) at(field string) string {
	if v.app == nil {
		return "namespaces"
	}
	return v.app.Path(field)
}

// mapKey returns the path of key in the app's map field, or of the map
// when the app does not set the key (gen added it).
func (v *apiValidator) mapKey(field string, m map[string]string, key string) string {
	if _, ok := m[key]; ok {
		return field + "." + model.Label(key)
	}
	return field
}

func (v *apiValidator) errorf(path, field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	key := path + "\x00" + msg
	if v.seen[key] {
		return
	}
	v.seen[key] = true
	v.errs = cueerrors.Append(v.errs, v.env.Errorf(path, "%s: %s: %s", v.obj.ID(), field, msg))
}

func (v *apiValidator) validate() {
	if !validUTF8(v.obj.Content) {
		v.utf8("", v.obj.Content)
	}
	v.meta("metadata", v.obj.Lookup("metadata"), true)
	switch v.obj.Kind() {
	case "ConfigMap", "Secret":
		v.data()
	case "PodDisruptionBudget":
		v.budget()
	case "CronJob":
		v.schedule()
	case "Service":
		v.servicePorts()
	case "Ingress":
		v.ingressHosts()
	case "PersistentVolumeClaim":
		v.quantities("spec.resources", v.obj.Lookup("spec", "resources"), "storage")
	case "StatefulSet":
		for i, t := range object.Maps(v.obj.Lookup("spec", "volumeClaimTemplates")) {
			v.quantities(fmt.Sprintf("spec.volumeClaimTemplates[%d].spec.resources", i), object.Lookup(t, "spec", "resources"), "storage")
		}
	}
	if sel, ok := v.obj.Lookup("spec", "selector", "matchLabels").(map[string]any); ok {
		v.labels("spec.selector.matchLabels", sel)
	}
	if path := object.PodSpecPath(v.obj.Kind()); path != nil {
		tmpl := strings.Join(path[:len(path)-1], ".")
		v.meta(tmpl+".metadata", object.Lookup(v.obj.Content, append(slices.Clone(path[:len(path)-1]), "metadata")...), false)
		for _, c := range append(v.obj.InitContainers(), v.obj.Containers()...) {
			v.container(c)
		}
		v.emptyDirs(object.Lookup(v.obj.Content, append(slices.Clone(path), "volumes")...))
	}
}

// emptyDirs checks the sizeLimit of the pod's emptyDir volumes as an
// ephemeral-storage quantity. gen sizes the /tmp emptyDir as the app's
// ephemeral-storage limit, where the error points.
func (v *apiValidator) emptyDirs(volumes any) {
	for _, vol := range object.Maps(volumes) {
		limit := object.Lookup(vol, "emptyDir", "sizeLimit")
		if limit == nil {
			continue
		}
		s := object.Scalar(limit)
		if msg := quantity("ephemeral-storage", s); msg != "" {
			v.errorf(v.at("resources.limits."+model.Label("ephemeral-storage")),
				"volume "+object.Scalar(vol["name"])+" emptyDir.sizeLimit", "%q %s", s, msg)
		}
	}
}

// utf8 reports every string, key or value, that is not valid UTF-8: the
// YAML emitter would replace its bytes with U+FFFD, silently rendering a
// value other than the one written.
func (v *apiValidator) utf8(field string, val any) {
	switch val := val.(type) {
	case string:
		if !utf8.ValidString(val) {
			v.errorf(v.at(""), strings.TrimPrefix(field, "."), "%q is not valid UTF-8", val)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(val)) {
			if !utf8.ValidString(k) {
				v.errorf(v.at(""), strings.TrimPrefix(field, "."), "key %q is not valid UTF-8", k)
				continue
			}
			v.utf8(field+"."+k, val[k])
		}
	case []any:
		for i, e := range val {
			v.utf8(fmt.Sprintf("%s[%d]", field, i), e)
		}
	}
}

// validUTF8 reports whether every string in val, key or value, is valid
// UTF-8: whether utf8 has nothing to report, without the paths it names.
func validUTF8(val any) bool {
	switch val := val.(type) {
	case string:
		return utf8.ValidString(val)
	case map[string]any:
		for k, e := range val {
			if !utf8.ValidString(k) || !validUTF8(e) {
				return false
			}
		}
	case []any:
		for _, e := range val {
			if !validUTF8(e) {
				return false
			}
		}
	}
	return true
}

// meta checks an object's (top) or a pod template's metadata.
func (v *apiValidator) meta(field string, m any, top bool) {
	md, _ := m.(map[string]any)
	if top {
		v.name(object.String(md["name"]))
	}
	if labels, ok := md["labels"].(map[string]any); ok {
		v.labels(field+".labels", labels)
	}
	annotations, _ := md["annotations"].(map[string]any)
	size, valid := 0, true
	for k, val := range annotations {
		size += len(k) + len(object.String(val))
		valid = valid && len(v.memo.annotationKey(k)) == 0
	}
	if !valid { // the keys in order
		for _, k := range slices.Sorted(maps.Keys(annotations)) {
			if msgs := v.memo.annotationKey(k); len(msgs) > 0 {
				v.errorf(v.annotationPath(k), field+".annotations", "key %q: %s", k, strings.Join(msgs, "; "))
			}
		}
	}
	if size > maxAnnotationsSize {
		v.errorf(v.at("annotations"), field+".annotations", "annotations total %d bytes, over the API server's limit of %d (256 KiB)", size, maxAnnotationsSize)
	}
}

func (v *apiValidator) annotationPath(key string) string {
	if v.app == nil {
		return v.at("")
	}
	return v.at(v.mapKey("annotations", v.app.Annotations, key))
}

func (v *apiValidator) name(name string) {
	var msgs []string
	what := "a DNS-1123 subdomain"
	switch v.obj.Kind() {
	case "Namespace":
		what, msgs = "a DNS-1123 label", validation.IsDNS1123Label(name)
	case "Service":
		what, msgs = "a DNS-1035 label", validation.IsDNS1035Label(name)
	default:
		msgs = validation.IsDNS1123Subdomain(name)
	}
	if v.obj.Kind() == "CronJob" && len(name) > maxCronJobName {
		msgs = append(msgs, fmt.Sprintf("must be no more than %d characters (the CronJob controller appends 11 to name its Jobs)", maxCronJobName))
	}
	if len(msgs) > 0 {
		v.errorf(v.at(""), "metadata.name", "%q is not %s: %s", name, what, strings.Join(msgs, "; "))
	}
}

func (v *apiValidator) labels(field string, labels map[string]any) {
	valid := true
	for k, val := range labels {
		if len(v.memo.labelKey(k)) > 0 || len(v.memo.labelValue(object.String(val))) > 0 {
			valid = false
			break
		}
	}
	if valid {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		path := v.at("")
		if v.app != nil {
			path = v.at(v.mapKey("labels", v.app.Labels, k))
		}
		if msgs := v.memo.labelKey(k); len(msgs) > 0 {
			v.errorf(path, field, "label key %q: %s", k, strings.Join(msgs, "; "))
		}
		val := object.String(labels[k])
		if msgs := v.memo.labelValue(val); len(msgs) > 0 {
			v.errorf(path, field, "label %s value %q: %s", k, val, strings.Join(msgs, "; "))
		}
	}
}

// data checks a ConfigMap's or Secret's keys and total size.
func (v *apiValidator) data() {
	size := 0
	for _, field := range []string{"data", "binaryData", "stringData"} {
		m, _ := v.obj.Content[field].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			size += len(k) + len(object.String(m[k]))
			if msgs := validation.IsConfigMapKey(k); len(msgs) > 0 {
				v.errorf(v.configPath(k), field, "key %q: %s", k, strings.Join(msgs, "; "))
			}
		}
	}
	if size > maxConfigMapSize {
		v.errorf(v.configPath(""), "data", "%d bytes of data, over the API server's limit of %d (1 MiB)", size, maxConfigMapSize)
	}
}

func (v *apiValidator) configPath(key string) string {
	if v.app == nil || v.obj.Kind() != "ConfigMap" {
		return v.at("")
	}
	cfg := v.app.Config
	if _, ok := cfg.Files[key]; ok {
		return v.at("config.files." + model.Label(key))
	}
	if _, ok := cfg.Env[key]; ok {
		return v.at("config.env." + model.Label(key))
	}
	if len(cfg.Files) > 0 {
		return v.at("config.files")
	}
	return v.at("config")
}

// budget checks a PodDisruptionBudget's minAvailable and maxUnavailable:
// a non-negative integer or a percentage from 0% to 100%.
func (v *apiValidator) budget() {
	for _, f := range []string{"minAvailable", "maxUnavailable"} {
		val, ok := v.obj.Lookup("spec", f).(string)
		if !ok {
			if n, ok := object.Int(v.obj.Lookup("spec", f)); ok && n < 0 {
				v.errorf(v.at("disruption."+f), "spec."+f, "%d must be greater than or equal to 0", n)
			}
			continue
		}
		if msg := percent(val); msg != "" {
			v.errorf(v.at("disruption."+f), "spec."+f, "%q %s", val, msg)
		}
	}
}

// percent returns why s is not a percentage from 0% to 100%, or "".
func percent(s string) string {
	digits, ok := strings.CutSuffix(s, "%")
	n, err := strconv.Atoi(digits)
	switch {
	case !ok || err != nil || strings.HasPrefix(digits, "+"):
		return "must be an integer or a percentage (e.g. \"50%\")"
	case n < 0 || n > 100:
		return "must be a percentage from 0% to 100%"
	}
	return ""
}

// schedule parses a CronJob's schedule as the CronJob controller does
// (k8s.io/kubernetes/pkg/controller/cronjob uses cron.ParseStandard).
func (v *apiValidator) schedule() {
	s := object.String(v.obj.Lookup("spec", "schedule"))
	if _, err := cron.ParseStandard(s); err != nil {
		v.errorf(v.at("schedule"), "spec.schedule", "%q is not a cron schedule: %v", s, err)
	}
	if strings.Contains(s, "TZ") {
		v.errorf(v.at("schedule"), "spec.schedule", "%q: a time zone in the schedule is not supported; use spec.timeZone", s)
	}
}

func (v *apiValidator) container(c map[string]any) {
	name := object.String(c["name"])
	field := "container " + name
	for _, p := range object.Maps(c["ports"]) {
		if n, _ := object.Int(p["containerPort"]); !validPort(n) {
			v.errorf(v.at("ports"), field, "containerPort %d must be from 1 to 65535", n)
		}
	}
	v.quantities(field+" resources", c["resources"], "")
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		if p, ok := c[probe].(map[string]any); ok {
			v.probe(field+" "+probe, strings.TrimSuffix(probe, "Probe"), p)
		}
	}
}

// quantities checks the requests and limits of resources (only the
// resource named only, when it is not ""): each must parse, be
// non-negative, and fit an int64 in the unit the scheduler counts it in
// (millicores for CPU, whole units for the rest). The capacity check
// counts in those units, and the API server's int64 arithmetic overflows
// past them.
func (v *apiValidator) quantities(field string, resources any, only string) {
	for _, list := range []string{"requests", "limits"} {
		m, _ := object.Lookup(resources, list).(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(m)) {
			if only != "" && name != only {
				continue
			}
			s := object.Scalar(m[name])
			path := v.at("resources." + list + "." + model.Label(name))
			if only != "" {
				path = v.at("storage")
			}
			if msg := quantity(name, s); msg != "" {
				v.errorf(path, field+"."+list+"."+name, "%q %s", s, msg)
			}
		}
	}
}

// quantity returns why s is not a valid quantity of the resource name,
// or "".
func quantity(name, s string) string {
	if hugeExponent(s) {
		// Comparing it would build the number digit by digit: 1e999999999
		// is a billion digits, minutes of CPU and gigabytes of memory.
		return fmt.Sprintf("is too large: its exponent is above %d (no quantity the API server accepts has one)", maxExponent)
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return "is not a Kubernetes quantity: " + err.Error()
	}
	if q.Sign() < 0 {
		return "must be greater than or equal to 0"
	}
	// ParseQuantity clamps a binary-suffixed value past an int64 ("8Ei")
	// to the largest int64, so reaching it counts as past it.
	limit, unit, most := inf.NewDec(math.MaxInt64, 0), "units", strconv.FormatInt(math.MaxInt64, 10)
	if name == "cpu" {
		limit, unit, most = inf.NewDec(math.MaxInt64, 3), "millicores", most+"m"
	}
	if q.AsDec().Cmp(limit) >= 0 {
		return fmt.Sprintf("is too large: it must fit a 64-bit integer of %s (below %s)", unit, most)
	}
	return ""
}

// maxExponent bounds the decimal exponent of a quantity ("1e18"): any
// larger one with a non-zero number before it is past an int64, which the
// API server refuses.
const maxExponent = 99

// hugeExponent reports whether s is a quantity in decimal exponent form
// ("<number>e<exponent>") whose exponent is above maxExponent. The
// quantity parser accepts any exponent, and every comparison of the
// result then multiplies out 10^exponent.
func hugeExponent(s string) bool {
	i := strings.LastIndexAny(s, "eE")
	if i < 0 {
		return false
	}
	exp := strings.TrimPrefix(s[i+1:], "+")
	if exp == "" || strings.HasPrefix(exp, "-") {
		return false
	}
	for _, c := range exp {
		if c < '0' || c > '9' {
			return false
		}
	}
	exp = strings.TrimLeft(exp, "0")
	return len(exp) > 2 || len(exp) == 2 && exp > strconv.Itoa(maxExponent)
}

func (v *apiValidator) probe(field, name string, p map[string]any) {
	path := v.at("probes." + name)
	for _, h := range []string{"httpGet", "tcpSocket", "grpc"} {
		port := object.Lookup(p, h, "port")
		if n, ok := object.Int(port); ok && !validPort(n) {
			v.errorf(path, field+"."+h+".port", "%d must be from 1 to 65535", n)
		}
		if s, ok := port.(string); ok {
			if msgs := validation.IsValidPortName(s); len(msgs) > 0 {
				v.errorf(path, field+"."+h+".port", "%q: %s", s, strings.Join(msgs, "; "))
			}
		}
	}
	for _, t := range []string{"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"} {
		if n, ok := object.Int(p[t]); ok && n < 0 {
			v.errorf(path, field+"."+t, "%d must be greater than or equal to 0", n)
		}
	}
	if n, ok := object.Int(p["terminationGracePeriodSeconds"]); ok && n < 1 {
		v.errorf(path, field+".terminationGracePeriodSeconds", "%d must be greater than 0", n)
	}
}

func (v *apiValidator) servicePorts() {
	for i, p := range object.Maps(v.obj.Lookup("spec", "ports")) {
		field := fmt.Sprintf("spec.ports[%d]", i)
		if n, _ := object.Int(p["port"]); !validPort(n) {
			v.errorf(v.at("services"), field+".port", "%d must be from 1 to 65535", n)
		}
		if n, ok := object.Int(p["targetPort"]); ok && !validPort(n) {
			v.errorf(v.at("ports"), field+".targetPort", "%d must be from 1 to 65535", n)
		}
		if n, ok := object.Int(p["nodePort"]); ok && (n < 0 || n > 65535) {
			v.errorf(v.at("services"), field+".nodePort", "%d must be from 0 to 65535", n)
		}
	}
}

func (v *apiValidator) ingressHosts() {
	for i, r := range object.Maps(v.obj.Lookup("spec", "rules")) {
		host := object.String(r["host"])
		if host == "" {
			continue
		}
		if msgs := validation.IsDNS1123Subdomain(strings.TrimPrefix(host, "*.")); len(msgs) > 0 {
			v.errorf(v.at("ingress.hosts"), fmt.Sprintf("spec.rules[%d].host", i), "%q is not a DNS name: %s", host, strings.Join(msgs, "; "))
		}
	}
}

func validPort(n int64) bool { return n >= 1 && n <= 65535 }
