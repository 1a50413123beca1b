package kube

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitops-gen/gen/generator/internal/delivery"
	"github.com/gitops-gen/gen/generator/internal/promql"
	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// RolloutsAPIVersion is the API version of Argo Rollouts' objects.
const RolloutsAPIVersion = "argoproj.io/v1alpha1"

// The kinds of Argo Rollouts gen renders.
const (
	KindRollout          = "Rollout"
	KindAnalysisTemplate = "AnalysisTemplate"
)

// Suffixes of the Services a release adds beside the app's own: the
// canary's and the stable version's (a canary routed by the ALB), the
// preview's (blue-green).
const (
	canarySuffix  = "-canary"
	stableSuffix  = "-stable"
	previewSuffix = "-preview"
	// useAnnotation is the port name of an Ingress backend whose
	// forwarding the AWS Load Balancer Controller reads from the
	// alb.ingress.kubernetes.io/actions.<service> annotation, which Argo
	// Rollouts writes with the canary's and the stable version's weights.
	useAnnotation = "use-annotation"
	// hashArg is the AnalysisTemplate's argument holding the new
	// version's pod template hash, which names its ReplicaSet and prefixes
	// its pods' names.
	hashArg = delivery.HashArg
)

// The local types of Argo Rollouts' objects, with its field names
// (argoproj.io/v1alpha1); the tests validate them against its CRDs.
type (
	rolloutObject struct {
		APIVersion string      `json:"apiVersion"`
		Kind       string      `json:"kind"`
		Metadata   esMeta      `json:"metadata"`
		Spec       rolloutSpec `json:"spec"`
	}
	rolloutSpec struct {
		// Replicas is unset when an HPA scales the Rollout.
		Replicas    *int32                `json:"replicas,omitempty"`
		Selector    *metav1.LabelSelector `json:"selector"`
		WorkloadRef workloadRef           `json:"workloadRef"`
		Strategy    rolloutStrategy       `json:"strategy"`
	}
	workloadRef struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Name       string `json:"name"`
		ScaleDown  string `json:"scaleDown"`
	}
	rolloutStrategy struct {
		Canary    *canaryStrategy    `json:"canary,omitempty"`
		BlueGreen *blueGreenStrategy `json:"blueGreen,omitempty"`
	}
	canaryStrategy struct {
		CanaryService  string           `json:"canaryService,omitempty"`
		StableService  string           `json:"stableService,omitempty"`
		MaxSurge       *intOrPercent    `json:"maxSurge,omitempty"`
		MaxUnavailable *intOrPercent    `json:"maxUnavailable,omitempty"`
		TrafficRouting *trafficRouting  `json:"trafficRouting,omitempty"`
		Steps          []canaryStep     `json:"steps"`
		Analysis       *rolloutAnalysis `json:"analysis,omitempty"`
	}
	trafficRouting struct {
		ALB *albRouting `json:"alb,omitempty"`
	}
	albRouting struct {
		Ingress     string `json:"ingress"`
		RootService string `json:"rootService"`
		ServicePort int32  `json:"servicePort"`
	}
	canaryStep struct {
		SetWeight *int32        `json:"setWeight,omitempty"`
		Pause     *rolloutPause `json:"pause,omitempty"`
	}
	rolloutPause struct {
		Duration string `json:"duration,omitempty"`
	}
	rolloutAnalysis struct {
		Templates []analysisTemplateRef `json:"templates"`
		Args      []analysisArg         `json:"args"`
	}
	analysisTemplateRef struct {
		TemplateName string `json:"templateName"`
	}
	analysisArg struct {
		Name      string        `json:"name"`
		ValueFrom *argValueFrom `json:"valueFrom,omitempty"`
	}
	argValueFrom struct {
		PodTemplateHashValue string `json:"podTemplateHashValue"`
	}
	blueGreenStrategy struct {
		ActiveService         string           `json:"activeService"`
		PreviewService        string           `json:"previewService"`
		AutoPromotionEnabled  *bool            `json:"autoPromotionEnabled"`
		ScaleDownDelaySeconds *int32           `json:"scaleDownDelaySeconds"`
		PrePromotionAnalysis  *rolloutAnalysis `json:"prePromotionAnalysis,omitempty"`
	}

	analysisTemplate struct {
		APIVersion string               `json:"apiVersion"`
		Kind       string               `json:"kind"`
		Metadata   esMeta               `json:"metadata"`
		Spec       analysisTemplateSpec `json:"spec"`
	}
	analysisTemplateSpec struct {
		Args    []templateArg    `json:"args"`
		Metrics []analysisMetric `json:"metrics"`
	}
	templateArg struct {
		Name string `json:"name"`
	}
	analysisMetric struct {
		Name             string           `json:"name"`
		Interval         string           `json:"interval"`
		FailureLimit     *int32           `json:"failureLimit"`
		SuccessCondition string           `json:"successCondition"`
		Provider         analysisProvider `json:"provider"`
	}
	analysisProvider struct {
		Prometheus prometheusProvider `json:"prometheus"`
	}
	prometheusProvider struct {
		Address string `json:"address"`
		Query   string `json:"query"`
	}
)

// intOrPercent is a count or a percentage, as the CRD's int-or-string
// fields take it.
type intOrPercent model.IntOrString

func (v intOrPercent) MarshalJSON() ([]byte, error) {
	if v.IsStr {
		return json.Marshal(v.String)
	}
	return json.Marshal(v.Int)
}

// rolloutObjects returns the Rollout of an app with a delivery, its
// AnalysisTemplate when the analysis is enabled, and the Services the
// strategy switches between; none for an app without one. What
// check.Environment refuses (a strategy on another kind than a
// Deployment, ALB routing without an ingress, a query that does not
// parse) is an error here too.
func rolloutObjects(in *instance) ([]any, error) {
	d := in.app.Delivery
	if d == nil {
		return nil, nil
	}
	if in.app.Kind != model.Deployment {
		return nil, fmt.Errorf("delivery: a %s cannot be released by a Rollout; only a Deployment", in.app.Kind)
	}
	r := &rolloutObject{
		APIVersion: RolloutsAPIVersion,
		Kind:       KindRollout,
		Metadata:   esMeta{Name: in.app.Name, Namespace: in.app.Namespace, Labels: in.labels},
		Spec: rolloutSpec{
			Replicas: replicas(in.app),
			Selector: &metav1.LabelSelector{MatchLabels: in.selector},
			// progressively: the Deployment's pods go as the Rollout's
			// become available, so that moving an app to a Rollout
			// keeps it serving. The Deployment's spec.replicas is left
			// out, so Argo CD does not undo the scale-down.
			WorkloadRef: workloadRef{APIVersion: deploymentType.APIVersion, Kind: deploymentType.Kind, Name: in.app.Name, ScaleDown: "progressively"},
		},
	}
	var analysis *rolloutAnalysis
	var objs []any
	if d.Analysis.Enabled {
		at, err := analysisTemplateOf(in)
		if err != nil {
			return nil, err
		}
		objs = append(objs, at)
		analysis = &rolloutAnalysis{
			Templates: []analysisTemplateRef{{TemplateName: in.app.Name}},
			Args:      []analysisArg{{Name: hashArg, ValueFrom: &argValueFrom{PodTemplateHashValue: "Latest"}}},
		}
	}
	var svcs []*corev1.Service
	switch d.Strategy() {
	case model.StrategyCanary:
		c := &canaryStrategy{Analysis: analysis}
		for _, s := range d.Canary.Steps {
			c.Steps = append(c.Steps, canaryStep{SetWeight: new(s.Weight)})
			if s.Pause != "" {
				c.Steps = append(c.Steps, canaryStep{Pause: &rolloutPause{Duration: s.Pause}})
			}
		}
		switch in.app.CanaryRouting() {
		case model.RoutingALB:
			root, port, err := albRoot(in)
			if err != nil {
				return nil, err
			}
			c.CanaryService, c.StableService = root.Name+canarySuffix, root.Name+stableSuffix
			c.TrafficRouting = &trafficRouting{ALB: &albRouting{Ingress: in.app.Name, RootService: root.Name, ServicePort: port}}
			svcs = append(svcs, releaseService(root, canarySuffix), releaseService(root, stableSuffix))
		default:
			// Without a traffic router the weight is the share of
			// canary pods, within the app's rolling update bounds.
			c.MaxSurge = new(intOrPercent(in.app.RollingUpdate.MaxSurge))
			c.MaxUnavailable = new(intOrPercent(in.app.RollingUpdate.MaxUnavailable))
		}
		r.Spec.Strategy.Canary = c
	case model.StrategyBlueGreen:
		active, err := activeService(in)
		if err != nil {
			return nil, err
		}
		bg := d.BlueGreen
		r.Spec.Strategy.BlueGreen = &blueGreenStrategy{
			ActiveService:         active.Name,
			PreviewService:        active.Name + previewSuffix,
			AutoPromotionEnabled:  new(bg.AutoPromotion),
			ScaleDownDelaySeconds: new(bg.ScaleDownDelaySeconds),
			PrePromotionAnalysis:  analysis,
		}
		svcs = append(svcs, releaseService(active, previewSuffix))
	default:
		return nil, fmt.Errorf("delivery: set one of canary and blueGreen")
	}
	objs = append(objs, r)
	for _, s := range svcs {
		objs = append(objs, s)
	}
	return objs, nil
}

// albRoot returns the app's Service that its Ingress sends traffic to
// (the Rollout's root Service, whose backend Argo Rollouts splits between
// the canary and stable Services) and that Service's port.
func albRoot(in *instance) (*corev1.Service, int32, error) {
	ing := in.app.Ingress
	if ing == nil {
		return nil, 0, fmt.Errorf("delivery: canary: trafficRouting alb needs the app's ingress")
	}
	var root *corev1.Service
	var port int32
	for _, p := range slices.Sorted(maps.Keys(ing.Paths)) {
		name, err := IngressService(in.app, ing.Paths[p].Port)
		if err != nil {
			return nil, 0, fmt.Errorf("delivery: ingress path %s: %w", p, err)
		}
		svc, err := service(in, name, in.app.Services[name])
		if err != nil {
			return nil, 0, err
		}
		var n int32
		for _, sp := range svc.Spec.Ports {
			if sp.Name == ing.Paths[p].Port {
				n = sp.Port
			}
		}
		if root != nil && (root.Name != name || port != n) {
			return nil, 0, fmt.Errorf("delivery: canary: the ingress sends traffic to %s:%d and %s:%d; ALB traffic routing splits one Service port", root.Name, port, name, n)
		}
		root, port = svc, n
	}
	return root, port, nil
}

// activeService returns the app's Service that a blue-green release
// switches: the one its ingress sends traffic to, else its first
// ClusterIP Service by name.
func activeService(in *instance) (*corev1.Service, error) {
	name := ""
	if ing := in.app.Ingress; ing != nil {
		for _, p := range slices.Sorted(maps.Keys(ing.Paths)) {
			if n, err := IngressService(in.app, ing.Paths[p].Port); err == nil {
				name = n
				break
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(in.app.Services)) {
		if t := in.app.Services[n].Type; name == "" && (t == "" || t == model.ClusterIP) {
			name = n
		}
	}
	if name == "" {
		return nil, fmt.Errorf("delivery: blueGreen needs a ClusterIP Service to switch")
	}
	return service(in, name, in.app.Services[name])
}

// releaseService returns a ClusterIP copy of svc named with suffix: Argo
// Rollouts adds the pod template hash of one version to its selector.
func releaseService(svc *corev1.Service, suffix string) *corev1.Service {
	out := svc.DeepCopy()
	out.Name += suffix
	out.Annotations = nil
	out.Spec.Type = corev1.ServiceTypeClusterIP
	out.Spec.LoadBalancerClass = nil
	out.Spec.LoadBalancerSourceRanges = nil
	return out
}

// analysisTemplateOf returns the app's AnalysisTemplate: a metric per
// enabled query of delivery.Queries, from the app's objectives or the
// analysis' own fields, measured over the new version's pods.
func analysisTemplateOf(in *instance) (*analysisTemplate, error) {
	a := in.app.Delivery.Analysis
	at := &analysisTemplate{
		APIVersion: RolloutsAPIVersion,
		Kind:       KindAnalysisTemplate,
		Metadata:   esMeta{Name: in.app.Name, Namespace: in.app.Namespace, Labels: in.labels},
		Spec:       analysisTemplateSpec{Args: []templateArg{{Name: hashArg}}},
	}
	objs, errs := slo.Objectives(in.app)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	for _, q := range delivery.Queries(in.app, objs) {
		if err := promql.Parse(q.Query); err != nil {
			return nil, fmt.Errorf("delivery: analysis: %s (from %s): %w", q.Name, q.Field, err)
		}
		at.Spec.Metrics = append(at.Spec.Metrics, analysisMetric{
			Name:             q.Name,
			Interval:         a.Interval,
			FailureLimit:     new(a.FailureLimit),
			SuccessCondition: q.SuccessCondition,
			Provider:         analysisProvider{Prometheus: prometheusProvider{Address: a.Prometheus, Query: q.Query}},
		})
	}
	return at, nil
}
