package kube

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Topology keys and the node label EKS puts on the nodes of a managed node group.
const (
	zoneKey      = "topology.kubernetes.io/zone"
	hostKey      = "kubernetes.io/hostname"
	nodeGroupKey = "eks.amazonaws.com/nodegroup"
)

// Values of the spread and antiAffinity fields.
const (
	none      = "none"
	preferred = "preferred"
	required  = "required"
)

// podTemplate returns the pod template of the app's workload. checksum is
// the config checksum ("" when the app has no config); restartPolicy is set
// for Jobs and CronJobs and "" for long-running workloads.
func podTemplate(in *instance, checksum string, restartPolicy corev1.RestartPolicy) (corev1.PodTemplateSpec, error) {
	if len(in.app.Config.Files) > 0 && in.app.Config.MountPath == "" {
		return corev1.PodTemplateSpec{}, errors.New("config has files but no mountPath")
	}
	if err := checkTmpVolume(in.app); err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	c, sidecars, err := containers(in)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	nodeSelector, tolerations, err := nodePlacement(in)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	spread, err := topologySpread(in)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	affinity, err := podAffinity(in)
	if err != nil {
		return corev1.PodTemplateSpec{}, err
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      in.labels,
			Annotations: podAnnotations(in, checksum),
		},
		Spec: corev1.PodSpec{
			ServiceAccountName:            serviceAccountName(in),
			SecurityContext:               podSecurityContext(in.app.SecurityContext),
			RestartPolicy:                 restartPolicy,
			TerminationGracePeriodSeconds: new(in.app.TerminationGracePeriodSeconds),
			InitContainers:                sidecars,
			Containers:                    []corev1.Container{c},
			Volumes:                       volumes(in),
			NodeSelector:                  nodeSelector,
			Tolerations:                   tolerations,
			TopologySpreadConstraints:     spread,
			Affinity:                      affinity,
		},
	}, nil
}

// podAnnotations are the app's annotations plus the config checksum.
func podAnnotations(in *instance, checksum string) map[string]string {
	if checksum == "" {
		return in.app.Annotations
	}
	a := maps.Clone(in.app.Annotations)
	if a == nil {
		a = make(map[string]string, 1)
	}
	a[checksumAnnotation] = checksum
	return a
}

// containers returns the app's own container, named after the app, and
// its sidecars sorted by name, as native sidecars: init containers with
// restartPolicy Always, which the kubelet starts before the app's
// container and stops after it, and which do not keep a Job's pod
// running. Both are built by container, from model.Container.
func containers(in *instance) (corev1.Container, []corev1.Container, error) {
	var main corev1.Container
	var sidecars []corev1.Container
	for _, mc := range in.app.Containers() {
		c, err := container(in.app, mc)
		if err != nil {
			if mc.Sidecar != nil {
				err = fmt.Errorf("%s: %w", mc.Field, err)
			}
			return corev1.Container{}, nil, err
		}
		if mc.Sidecar == nil {
			main = c
			continue
		}
		c.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
		sidecars = append(sidecars, c)
	}
	return main, sidecars, nil
}

// container returns one container of the app: its own (mc.Sidecar nil),
// with the app's config and volumes, or a sidecar, with its own config,
// the /tmp emptyDir and the app's volumes it mounts, and a read-only root
// filesystem.
func container(app *model.App, mc model.Container) (corev1.Container, error) {
	res, err := resources(mc.Resources)
	if err != nil {
		return corev1.Container{}, err
	}
	c := corev1.Container{
		Name:            mc.Name,
		Image:           mc.Image.Reference(),
		ImagePullPolicy: corev1.PullPolicy(mc.Image.PullPolicy),
		Command:         mc.Command,
		Args:            mc.Args,
		Ports:           containerPorts(mc.Ports),
		Env:             env(mc.Env),
		Resources:       res,
	}
	if mc.Sidecar == nil {
		c.EnvFrom = envFrom(app)
		c.VolumeMounts = volumeMounts(app)
		c.SecurityContext = containerSecurityContext(app.SecurityContext)
	} else {
		c.VolumeMounts = sidecarMounts(mc.Name, mc.Sidecar)
		c.SecurityContext = containerSecurityContext(model.SecurityContext{ReadOnlyRootFilesystem: true})
	}
	if c.LivenessProbe, err = probe(mc.Ports, "liveness", mc.Probes.Liveness); err != nil {
		return corev1.Container{}, err
	}
	if c.ReadinessProbe, err = probe(mc.Ports, "readiness", mc.Probes.Readiness); err != nil {
		return corev1.Container{}, err
	}
	if c.StartupProbe, err = probe(mc.Ports, "startup", mc.Probes.Startup); err != nil {
		return corev1.Container{}, err
	}
	return c, nil
}

// containerPorts returns a container's ports, sorted by name.
func containerPorts(named map[string]model.Port) []corev1.ContainerPort {
	var ports []corev1.ContainerPort
	for _, name := range slices.Sorted(maps.Keys(named)) {
		p := named[name]
		ports = append(ports, corev1.ContainerPort{
			Name:          name,
			ContainerPort: p.Port,
			Protocol:      corev1.Protocol(p.Protocol),
		})
	}
	return ports
}

// envFrom injects the <app>-env ConfigMap, when there is one.
func envFrom(app *model.App) []corev1.EnvFromSource {
	if len(app.Config.Env) == 0 {
		return nil
	}
	return []corev1.EnvFromSource{{
		ConfigMapRef: &corev1.ConfigMapEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: envConfigMapName(app.Name)},
		},
	}}
}

// env returns a container's environment variables, sorted by name:
// literal values, or references to keys of existing Secrets.
func env(vars map[string]model.EnvVar) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		v := vars[name]
		if ref := v.SecretRef; ref != nil {
			out = append(out, corev1.EnvVar{
				Name: name,
				ValueFrom: &corev1.EnvVarSource{
					SecretKeyRef: &corev1.SecretKeySelector{
						LocalObjectReference: corev1.LocalObjectReference{Name: ref.Secret},
						Key:                  ref.Key,
					},
				},
			})
			continue
		}
		out = append(out, corev1.EnvVar{Name: name, Value: v.Value})
	}
	return out
}

// resources returns the container's requests and limits; only the
// quantities that are set.
func resources(r model.Resources) (corev1.ResourceRequirements, error) {
	requests, err := resourceList(r.Requests)
	if err != nil {
		return corev1.ResourceRequirements{}, fmt.Errorf("requests: %w", err)
	}
	limits, err := resourceList(r.Limits)
	if err != nil {
		return corev1.ResourceRequirements{}, fmt.Errorf("limits: %w", err)
	}
	return corev1.ResourceRequirements{Requests: requests, Limits: limits}, nil
}

func resourceList(l model.ResourceList) (corev1.ResourceList, error) {
	var list corev1.ResourceList
	for _, r := range []struct {
		name     corev1.ResourceName
		quantity string
	}{
		{corev1.ResourceCPU, l.CPU},
		{corev1.ResourceMemory, l.Memory},
		{corev1.ResourceEphemeralStorage, l.EphemeralStorage},
	} {
		if r.quantity == "" {
			continue
		}
		q, err := parseQuantity(r.quantity)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		if list == nil {
			list = make(corev1.ResourceList, 3)
		}
		list[r.name] = q
	}
	return list, nil
}

// probe returns the Kubernetes form of p, nil when p is nil: an HTTP GET
// when p has a path, a gRPC check when p.GRPC, else a TCP check. HTTP and
// TCP probes name the port; gRPC probes need its number.
func probe(ports map[string]model.Port, kind string, p *model.Probe) (*corev1.Probe, error) {
	if p == nil {
		return nil, nil
	}
	port, ok := ports[p.Port]
	if !ok {
		return nil, fmt.Errorf("%s probe: no port %q", kind, p.Port)
	}
	var handler corev1.ProbeHandler
	switch {
	case p.Path != "":
		handler.HTTPGet = &corev1.HTTPGetAction{Path: p.Path, Port: intstr.FromString(p.Port)}
	case p.GRPC:
		handler.GRPC = &corev1.GRPCAction{Port: port.Port}
	default:
		handler.TCPSocket = &corev1.TCPSocketAction{Port: intstr.FromString(p.Port)}
	}
	return &corev1.Probe{
		ProbeHandler:        handler,
		InitialDelaySeconds: p.InitialDelaySeconds,
		PeriodSeconds:       p.PeriodSeconds,
		TimeoutSeconds:      p.TimeoutSeconds,
		FailureThreshold:    p.FailureThreshold,
		SuccessThreshold:    p.SuccessThreshold, // 0, unset, is omitted
	}, nil
}

// volumes returns the pod's volumes: the <app>-files ConfigMap, when there
// is one, then the /tmp emptyDir of a read-only root filesystem (or of
// the sidecars), then the sidecars' ConfigMaps and the app's shared
// emptyDirs (sidecarVolumes). A
// StatefulSet's storage comes from its volumeClaimTemplates.
func volumes(in *instance) []corev1.Volume {
	var vols []corev1.Volume
	if len(in.app.Config.Files) > 0 {
		vols = append(vols, corev1.Volume{
			Name: configVolume,
			VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: filesConfigMapName(in.app.Name)},
				},
			},
		})
	}
	if needsTmp(in.app) {
		vols = append(vols, corev1.Volume{
			Name:         tmpVolume,
			VolumeSource: corev1.VolumeSource{EmptyDir: tmpEmptyDir(in.app.Resources.Limits)},
		})
	}
	return append(vols, sidecarVolumes(in.app)...)
}

// tmpEmptyDir is the /tmp emptyDir, sized as the container's
// ephemeral-storage limit. The pod's limit already bounds it (the kubelet
// counts emptyDirs, logs and writable layers against it); the sizeLimit
// makes an eviction name the volume ("Usage of EmptyDir volume "tmp"
// exceeds the limit") rather than the pod.
func tmpEmptyDir(limits model.ResourceList) *corev1.EmptyDirVolumeSource {
	ed := &corev1.EmptyDirVolumeSource{}
	if q, err := parseQuantity(limits.EphemeralStorage); limits.EphemeralStorage != "" && err == nil {
		ed.SizeLimit = &q
	}
	return ed
}

// volumeMounts mounts the config files read-only, then the /tmp emptyDir of
// a read-only root filesystem, then the app's shared volumes with a
// mountPath, then, for a StatefulSet, its storage volumes sorted by name.
func volumeMounts(app *model.App) []corev1.VolumeMount {
	var mounts []corev1.VolumeMount
	if len(app.Config.Files) > 0 {
		mounts = append(mounts, corev1.VolumeMount{
			Name:      configVolume,
			MountPath: app.Config.MountPath,
			ReadOnly:  true,
		})
	}
	if app.SecurityContext.ReadOnlyRootFilesystem {
		mounts = append(mounts, corev1.VolumeMount{Name: tmpVolume, MountPath: tmpPath})
	}
	mounts = append(mounts, sharedMounts(app)...)
	if app.Kind != model.StatefulSet {
		return mounts
	}
	for _, name := range slices.Sorted(maps.Keys(app.Storage)) {
		mounts = append(mounts, corev1.VolumeMount{
			Name:      name,
			MountPath: app.Storage[name].MountPath,
		})
	}
	return mounts
}

// nodePlacement pins the pods to the app's node group, if it has one: the
// group's labels become the nodeSelector (EKS's own node group label when
// the group has none) and each of its taints is tolerated.
func nodePlacement(in *instance) (map[string]string, []corev1.Toleration, error) {
	name := in.app.NodeGroup
	if name == "" {
		return nil, nil, nil
	}
	ng, ok := in.env.Cluster.NodeGroups[name]
	if !ok {
		return nil, nil, fmt.Errorf("node group %q is not in cluster %s", name, in.env.Cluster.Name)
	}
	selector := ng.Labels
	if len(selector) == 0 {
		selector = map[string]string{nodeGroupKey: name}
	}
	var tolerations []corev1.Toleration
	for _, t := range ng.Taints {
		tol := corev1.Toleration{
			Key:      t.Key,
			Operator: corev1.TolerationOpEqual,
			Value:    t.Value,
			Effect:   corev1.TaintEffect(t.Effect),
		}
		if t.Value == "" {
			tol.Operator = corev1.TolerationOpExists
		}
		tolerations = append(tolerations, tol)
	}
	return selector, tolerations, nil
}

// topologySpread keeps the app's pods apart across zones, then across hosts,
// with maxSkew 1: "required" refuses to schedule rather than pile up,
// "preferred" only scores.
func topologySpread(in *instance) ([]corev1.TopologySpreadConstraint, error) {
	var constraints []corev1.TopologySpreadConstraint
	for _, s := range []struct{ field, mode, key string }{
		{"zones", in.app.Spread.Zones, zoneKey},
		{"hosts", in.app.Spread.Hosts, hostKey},
	} {
		var when corev1.UnsatisfiableConstraintAction
		switch s.mode {
		case "", none:
			continue
		case preferred:
			when = corev1.ScheduleAnyway
		case required:
			when = corev1.DoNotSchedule
		default:
			return nil, fmt.Errorf("spread.%s: unknown value %q", s.field, s.mode)
		}
		constraints = append(constraints, corev1.TopologySpreadConstraint{
			MaxSkew:           1,
			TopologyKey:       s.key,
			WhenUnsatisfiable: when,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: in.selector},
		})
	}
	return constraints, nil
}

// podAffinity returns pod anti-affinity on kubernetes.io/hostname:
// "required" puts at most one of the app's pods on a node, "preferred" only
// scores (weight 100).
func podAffinity(in *instance) (*corev1.Affinity, error) {
	term := corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: in.selector},
		TopologyKey:   hostKey,
	}
	var anti corev1.PodAntiAffinity
	switch in.app.AntiAffinity {
	case "", none:
		return nil, nil
	case preferred:
		anti.PreferredDuringSchedulingIgnoredDuringExecution = []corev1.WeightedPodAffinityTerm{
			{Weight: 100, PodAffinityTerm: term},
		}
	case required:
		anti.RequiredDuringSchedulingIgnoredDuringExecution = []corev1.PodAffinityTerm{term}
	default:
		return nil, fmt.Errorf("antiAffinity: unknown value %q", in.app.AntiAffinity)
	}
	return &corev1.Affinity{PodAntiAffinity: &anti}, nil
}
