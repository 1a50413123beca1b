package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Envs are the environments of a synthetic platform, in the order Write
// numbers them.
var Envs = []string{"dev", "staging", "prod"}

// WriteChart writes, under dir, a Helm chart that renders the objects of
// the platform Write makes with n apps, the way a chart of one's own
// would: a template per kind ranging over the apps of the values, named
// templates for the labels and the pod, a checksum of each app's config
// on its pods. values.yaml holds the apps as apps.cue does, with what
// gen's schema defaults to spelled out, and values-<env>.yaml what each
// environment changes, with the digests of its lock file. Then
//
//	helm template bench DIR -f DIR/values-ENV.yaml
//
// for each of Envs prints the objects gen renders under apps/ and the
// namespaces' objects under platform/, field for field, but for the
// managed-by label, the config checksum and the quotas' limits, which gen
// derives from the pods and the chart states as prod's (gen's Cluster
// Autoscaler, ClusterConfig and Argo CD objects have no counterpart). It
// is the yardstick of make bench, not a chart to deploy.
func WriteChart(dir string, n int) error {
	files := map[string]string{
		"Chart.yaml":                    chartYAML,
		"templates/_helpers.tpl":        helpersTPL,
		"templates/namespaces.yaml":     namespacesTPL,
		"templates/configmap.yaml":      configMapTPL,
		"templates/serviceaccount.yaml": serviceAccountTPL,
		"templates/service.yaml":        serviceTPL,
		"templates/deployment.yaml":     deploymentTPL,
		"templates/statefulset.yaml":    statefulSetTPL,
		"templates/cronjob.yaml":        cronJobTPL,
		"templates/hpa.yaml":            hpaTPL,
		"templates/pdb.yaml":            pdbTPL,
		"templates/networkpolicy.yaml":  networkPolicyTPL,
		"values.yaml":                   chartValues(n),
	}
	for i, env := range Envs {
		files["values-"+env+".yaml"] = chartEnvValues(env, i, n)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// digest is the digest lock gives repo:tag.
func digest(repo, tag string) string {
	sum := sha256.Sum256([]byte(repo + ":" + tag))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// image is app i's repository and tag, as apps and lock have them.
func image(i int) (repo, tag string) {
	repo = fmt.Sprintf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc-%04d", i)
	switch {
	case i%10 == 9:
		return repo, fmt.Sprintf("1.0.%d", i%7)
	case i%10 == 8:
		return repo, fmt.Sprintf("2.%d.0", i%5)
	default:
		return repo, fmt.Sprintf("3.%d.1", i%9)
	}
}

// chartValues is values.yaml: what apps.cue and platform.cue say, with
// what gen's schema defaults to spelled out, as a chart's values do.
func chartValues(n int) string {
	var b strings.Builder
	b.WriteString("environment: dev\nspread: false\nnamespaces:\n")
	for i := 0; i < n; i += 25 {
		fmt.Fprintf(&b, "  %s:\n    quota: {requests.cpu: \"120\", requests.memory: 240Gi, requests.ephemeral-storage: 121Gi, limits.cpu: 482400m, limits.memory: 500224Mi, limits.ephemeral-storage: 495360Mi, pods: \"484\"}\n", nsOf(i))
	}
	b.WriteString("apps:\n")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%04d", i)
		repo, tag := image(i)
		fmt.Fprintf(&b, "  %s:\n    namespace: %s\n    enabled: true\n    image: {repository: %s, tag: %q}\n", name, nsOf(i), repo, tag)
		switch {
		case i%10 == 9:
			fmt.Fprintf(&b, `    kind: StatefulSet
    replicas: 1
    ports: [{name: db, port: 5432}, {name: metrics, port: 9187}]
    env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: %s-credentials, key: password}}}]
    resources: {requests: {cpu: 500m, memory: 1Gi, ephemeral-storage: 256Mi}, limits: {cpu: "1", memory: 2Gi, ephemeral-storage: 1Gi}}
    probes:
      liveness: {tcpSocket: {port: db}, initialDelaySeconds: 30}
      readiness: {tcpSocket: {port: db}, periodSeconds: 5}
    service: {headless: true}
    serviceAccount: {create: false}
    storage: {data: {mountPath: /var/lib/data, size: 10Gi}}
    ingressFromSelf: true
`, name)
		case i%10 == 8:
			fmt.Fprintf(&b, `    kind: CronJob
    schedule: "%d 3 * * *"
    command: [/bin/job, --batch]
    resources: {requests: {cpu: "1", memory: 2Gi, ephemeral-storage: 256Mi}, limits: {memory: 2Gi, ephemeral-storage: 1Gi}}
    nodeSelector: {workload: batch}
    tolerations: [{key: workload, operator: Equal, value: batch, effect: NoSchedule}]
    job: {backoffLimit: 2, ttlSecondsAfterFinished: 3600}
    serviceAccount: {create: true}
`, i%60)
		default:
			fmt.Fprintf(&b, `    kind: Deployment
    replicas: 1
    ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
    env: [{name: LOG_FORMAT, value: json}, {name: UPSTREAM, value: "http://svc-%04d.%s.svc.cluster.local:8080"}]
    config:
      env: {FEATURE_X: "on", CACHE_TTL: 30s}
      files: {app.yaml: "server:\n  port: 8080\n  name: %s"}
    resources: {requests: {cpu: 250m, memory: 512Mi, ephemeral-storage: 256Mi}, limits: {cpu: "1", memory: 1Gi, ephemeral-storage: 1Gi}}
    probes:
      liveness: {httpGet: {path: /healthz, port: http}, initialDelaySeconds: 10}
      readiness: {httpGet: {path: /ready, port: http}, periodSeconds: 5}
    autoscaling: {enabled: true, cpu: 70, minReplicas: 1, maxReplicas: 5}
    service: {headless: false}
    serviceAccount: {create: true, iamRole: "arn:aws:iam::123456789012:role/%s-role"}
    egress: [{cidr: 0.0.0.0/0, ports: [443]}]
    labels: {team: %s}
`, (i+1)%n, nsOf((i+1)%n), name, name, nsOf(i))
		}
	}
	return b.String()
}

// chartEnvValues is values-<env>.yaml: what environment() changes, and
// the digests of the environment's lock file.
func chartEnvValues(env string, idx, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "environment: %s\nspread: %t\napps:\n", env, env == "prod")
	for i := 0; i < n; i++ {
		repo, tag := image(i)
		fmt.Fprintf(&b, "  svc-%04d:\n    image: {digest: %q}\n", i, digest(repo, tag))
		switch {
		case i%10 == 9:
			fmt.Fprintf(&b, "    storage: {data: {size: %dGi}}\n", 10*(idx+1))
		case i%10 == 8:
			if env == "dev" {
				b.WriteString("    enabled: false\n")
			}
		default:
			if env == "dev" {
				b.WriteString("    autoscaling: {enabled: false}\n")
			} else {
				fmt.Fprintf(&b, "    replicas: %d\n    autoscaling: {minReplicas: %d, maxReplicas: %d}\n    disruption: {minAvailable: 1}\n",
					idx+1, idx+1, 5*(idx+1))
			}
		}
	}
	return b.String()
}

const chartYAML = `apiVersion: v2
name: bench
description: The synthetic platform of make bench, as a Helm chart.
type: application
version: 0.1.0
`

// The context of the named templates is a dict of name, app and env.
const helpersTPL = `{{- define "bench.selector" -}}
app.kubernetes.io/instance: {{ .name }}-{{ .env }}
app.kubernetes.io/name: {{ .name }}
{{- end }}

{{- define "bench.labels" -}}
{{ include "bench.selector" . }}
app.kubernetes.io/managed-by: helm
app.kubernetes.io/part-of: {{ .name }}
environment: {{ .env }}
{{- range $k, $v := .app.labels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end }}

{{- define "bench.metadata" -}}
metadata:
  name: {{ .name }}
  namespace: {{ .app.namespace }}
  labels:
    {{- include "bench.labels" . | nindent 4 }}
{{- end }}

{{- define "bench.probe" -}}
{{- with .httpGet }}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- end }}
{{- with .tcpSocket }}
tcpSocket:
  port: {{ .port }}
{{- end }}
{{- with .initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
periodSeconds: {{ .periodSeconds | default 10 }}
timeoutSeconds: {{ .timeoutSeconds | default 1 }}
failureThreshold: {{ .failureThreshold | default 3 }}
{{- end }}

{{- define "bench.configmaps" -}}
{{- with .app.config }}
{{- with .env }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.name }}-env
  namespace: {{ $.app.namespace }}
  labels:
    {{- include "bench.labels" $ | nindent 4 }}
data:
  {{- range $k, $v := . }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
{{- end }}
{{- with .files }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.name }}-files
  namespace: {{ $.app.namespace }}
  labels:
    {{- include "bench.labels" $ | nindent 4 }}
data:
  {{- range $k, $v := . }}
  {{ $k }}: |-
    {{- $v | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "bench.pod" -}}
metadata:
  {{- if .app.config }}
  annotations:
    checksum/config: {{ include "bench.configmaps" . | sha256sum }}
  {{- end }}
  labels:
    {{- include "bench.labels" . | nindent 4 }}
spec:
  {{- if .app.serviceAccount.create }}
  serviceAccountName: {{ .name }}
  {{- end }}
  {{- if eq .app.kind "CronJob" }}
  restartPolicy: OnFailure
  {{- end }}
  terminationGracePeriodSeconds: 30
  securityContext:
    fsGroup: 10001
    fsGroupChangePolicy: OnRootMismatch
    runAsGroup: 10001
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile:
      type: RuntimeDefault
  {{- with .app.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .app.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if .spread }}
  topologySpreadConstraints:
  {{- range list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
  - maxSkew: 1
    topologyKey: {{ . }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "bench.selector" $ | nindent 8 }}
  {{- end }}
  {{- end }}
  containers:
  - name: {{ .name }}
    image: "{{ .app.image.repository }}:{{ .app.image.tag }}@{{ .app.image.digest }}"
    {{- with .app.command }}
    command:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .app.env }}
    env:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- if and .app.config .app.config.env }}
    envFrom:
    - configMapRef:
        name: {{ .name }}-env
    {{- end }}
    {{- with .app.ports }}
    ports:
    {{- range . }}
    - name: {{ .name }}
      containerPort: {{ .port }}
      protocol: TCP
    {{- end }}
    {{- end }}
    {{- with .app.probes }}
    livenessProbe:
      {{- include "bench.probe" .liveness | nindent 6 }}
    readinessProbe:
      {{- include "bench.probe" .readiness | nindent 6 }}
    {{- end }}
    resources:
      {{- toYaml .app.resources | nindent 6 }}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop:
        - ALL
      readOnlyRootFilesystem: true
      runAsNonRoot: true
    volumeMounts:
    {{- if and .app.config .app.config.files }}
    - name: config
      mountPath: /etc/config
      readOnly: true
    {{- end }}
    - name: tmp
      mountPath: /tmp
    {{- range $name, $s := .app.storage }}
    - name: {{ $name }}
      mountPath: {{ $s.mountPath }}
    {{- end }}
  volumes:
  {{- if and .app.config .app.config.files }}
  - name: config
    configMap:
      name: {{ .name }}-files
  {{- end }}
  - name: tmp
    emptyDir:
      sizeLimit: 1Gi
{{- end }}
`

const namespacesTPL = `{{- range $ns, $cfg := .Values.namespaces }}
{{- $labels := dict "app.kubernetes.io/managed-by" "helm" "environment" $.Values.environment }}
---
apiVersion: v1
kind: Namespace
metadata:
  name: {{ $ns }}
  labels:
    {{- toYaml $labels | nindent 4 }}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: {{ $ns }}
  namespace: {{ $ns }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  hard:
    {{- range $k, $v := $cfg.quota }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
---
apiVersion: v1
kind: LimitRange
metadata:
  name: {{ $ns }}
  namespace: {{ $ns }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, ephemeral-storage: 1Gi, memory: 512Mi}
    defaultRequest: {cpu: 100m, ephemeral-storage: 256Mi, memory: 128Mi}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-{{ $ns }}
  namespace: {{ $ns }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-{{ $ns }}
  namespace: {{ $ns }}
  labels:
    {{- toYaml $labels | nindent 4 }}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
{{- end }}
`

const configMapTPL = `{{- range $name, $app := .Values.apps }}
{{- if $app.enabled }}
{{- include "bench.configmaps" (dict "name" $name "app" $app "env" $.Values.environment) }}
{{- end }}
{{- end }}
`

const serviceAccountTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled $app.serviceAccount.create }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  namespace: {{ $app.namespace }}
  labels:
    {{- include "bench.labels" $ctx | nindent 4 }}
  {{- with $app.serviceAccount.iamRole }}
  annotations:
    eks.amazonaws.com/role-arn: {{ . }}
  {{- end }}
{{- end }}
{{- end }}
`

const serviceTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled $app.service }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment }}
---
apiVersion: v1
kind: Service
{{ include "bench.metadata" $ctx }}
spec:
  type: ClusterIP
  {{- if $app.service.headless }}
  clusterIP: None
  {{- end }}
  selector:
    {{- include "bench.selector" $ctx | nindent 4 }}
  ports:
  {{- range $app.ports }}
  - name: {{ .name }}
    port: {{ .port }}
    targetPort: {{ .name }}
    protocol: TCP
  {{- end }}
{{- end }}
{{- end }}
`

const deploymentTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled (eq $app.kind "Deployment") }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment "spread" $.Values.spread }}
---
apiVersion: apps/v1
kind: Deployment
{{ include "bench.metadata" $ctx }}
spec:
  {{- if not $app.autoscaling.enabled }}
  replicas: {{ $app.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "bench.selector" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
  template:
    {{- include "bench.pod" $ctx | nindent 4 }}
{{- end }}
{{- end }}
`

const statefulSetTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled (eq $app.kind "StatefulSet") }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment "spread" $.Values.spread }}
---
apiVersion: apps/v1
kind: StatefulSet
{{ include "bench.metadata" $ctx }}
spec:
  replicas: {{ $app.replicas }}
  serviceName: {{ $name }}
  podManagementPolicy: Parallel
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Retain
    whenScaled: Retain
  selector:
    matchLabels:
      {{- include "bench.selector" $ctx | nindent 6 }}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 25%
  template:
    {{- include "bench.pod" $ctx | nindent 4 }}
  volumeClaimTemplates:
  {{- range $claim, $s := $app.storage }}
  - metadata:
      name: {{ $claim }}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: gp3
      resources:
        requests:
          storage: {{ $s.size }}
  {{- end }}
{{- end }}
{{- end }}
`

const cronJobTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled (eq $app.kind "CronJob") }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment "spread" $.Values.spread }}
---
apiVersion: batch/v1
kind: CronJob
{{ include "bench.metadata" $ctx }}
spec:
  schedule: {{ $app.schedule | quote }}
  startingDeadlineSeconds: 3600
  concurrencyPolicy: Forbid
  jobTemplate:
    metadata:
      labels:
        {{- include "bench.labels" $ctx | nindent 8 }}
    spec:
      backoffLimit: {{ $app.job.backoffLimit }}
      ttlSecondsAfterFinished: {{ $app.job.ttlSecondsAfterFinished }}
      template:
        {{- include "bench.pod" $ctx | nindent 8 }}
{{- end }}
{{- end }}
`

const hpaTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled $app.autoscaling $app.autoscaling.enabled }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
{{ include "bench.metadata" $ctx }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: {{ $app.kind }}
    name: {{ $name }}
  minReplicas: {{ $app.autoscaling.minReplicas }}
  maxReplicas: {{ $app.autoscaling.maxReplicas }}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: {{ $app.autoscaling.cpu }}
{{- end }}
{{- end }}
`

const pdbTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled $app.disruption }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
{{ include "bench.metadata" $ctx }}
spec:
  minAvailable: {{ $app.disruption.minAvailable }}
  selector:
    matchLabels:
      {{- include "bench.selector" $ctx | nindent 6 }}
{{- end }}
{{- end }}
`

const networkPolicyTPL = `{{- range $name, $app := .Values.apps }}
{{- if and $app.enabled $app.ports }}
{{- $ctx := dict "name" $name "app" $app "env" $.Values.environment }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
{{ include "bench.metadata" $ctx }}
spec:
  podSelector:
    matchLabels:
      {{- include "bench.selector" $ctx | nindent 6 }}
  policyTypes: [Ingress, Egress]
  {{- if $app.ingressFromSelf }}
  ingress:
  - from:
    - podSelector:
        matchLabels:
          {{- include "bench.selector" $ctx | nindent 10 }}
    ports:
    {{- range $app.ports }}
    - {port: {{ .port }}, protocol: TCP}
    {{- end }}
  {{- end }}
  egress:
  {{- if $app.ingressFromSelf }}
  - to:
    - podSelector:
        matchLabels:
          {{- include "bench.selector" $ctx | nindent 10 }}
    ports:
    {{- range $app.ports }}
    - {port: {{ .port }}, protocol: TCP}
    {{- end }}
  {{- end }}
  {{- range $app.egress }}
  - to:
    - ipBlock:
        cidr: {{ .cidr }}
    ports:
    {{- range .ports }}
    - {port: {{ . }}, protocol: TCP}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}
`
