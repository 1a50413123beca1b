// Package synth writes synthetic platforms for benchmarks: n apps in three
// environments, in the shape of the default environments (Deployments with
// HPAs, PDBs and config, StatefulSets with storage, CronJobs), using the
// schema/ and cue.mod/ of a repository.
package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gitops-gen/gen/generator/images"
)

// Write creates a platform of n apps under dir, copying schema/ and
// cue.mod/ from repo.
func Write(dir, repo string, n int) error {
	for _, sub := range []string{"cue.mod", "schema"} {
		if err := os.CopyFS(filepath.Join(dir, sub), os.DirFS(filepath.Join(repo, sub))); err != nil {
			return fmt.Errorf("copying %s: %w", sub, err)
		}
	}
	files := map[string]string{
		"environments/platform.cue": platform(n),
		"environments/apps.cue":     apps(n),
	}
	for i, env := range Envs {
		files["environments/"+env+"/"+env+".cue"] = environment(env, i, n)
	}
	for _, env := range Envs {
		files["environments/"+env+"/"+images.LockFile] = string(lock(env, n))
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

// namespaces: one per 25 apps.
func nsOf(i int) string { return fmt.Sprintf("team-%03d", i/25) }

func platform(n int) string {
	var b strings.Builder
	// Node groups sized for the scheduler at rest and at peak: at rest,
	// prod runs 3 replicas of 250m for most apps (an m6i.2xlarge holds
	// about 30) and one run of each CronJob (a c6i.xlarge holds 3); at
	// peak up to 15 replicas.
	fmt.Fprintf(&b, `package environments

cluster: {
	region:    "eu-west-1"
	accountID: "123456789012"
	version:   "1.35"
	zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
	nodeGroups: {
		general: {instanceTypes: ["m6i.2xlarge"], minSize: %d, maxSize: %d, labels: workload: "general"}
		batch: {instanceTypes: ["c6i.xlarge"], minSize: %d, maxSize: %d, labels: workload: "batch", taints: [{key: "workload", value: "batch"}]}
	}
	iam: roles: {
`, n/10+3, n+10, n/30+1, n/10+2)
	for i := 0; i < n; i++ {
		if i%10 < 8 { // the web apps have a role
			fmt.Fprintf(&b, "\t\t%q: policyARNs: [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]\n", fmt.Sprintf("svc-%04d-role", i))
		}
	}
	b.WriteString("\t}\n}\n\nnamespaces: {\n")
	// A namespace's quota holds its pods at peak (check.Quotas): 21 web
	// apps at 15 replicas, plus a rolling update's surge, of 250m and
	// 512Mi, with the StatefulSets and one run of each CronJob.
	for i := 0; i < n; i += 25 {
		fmt.Fprintf(&b, "\t%q: quota: {\"requests.cpu\": \"120\", \"requests.memory\": \"240Gi\"}\n", nsOf(i))
	}
	// The StatefulSets' passwords, which gen does not render.
	for i := 9; i < n; i += 10 {
		fmt.Fprintf(&b, "\t%q: secrets: \"svc-%04d-credentials\": {provided: \"by-hand\", reason: \"a synthetic password\", keys: [\"password\"]}\n", nsOf(i), i)
	}
	b.WriteString("}\n")
	return b.String()
}

func apps(n int) string {
	var b strings.Builder
	b.WriteString("package environments\n\napps: {\n")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%04d", i)
		img := fmt.Sprintf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/%s", name)
		switch {
		case i%10 == 9: // a StatefulSet with storage and a headless Service
			fmt.Fprintf(&b, `	%q: {
		namespace: %q
		kind: "StatefulSet"
		image: {repository: %q, tag: "1.0.%d"}
		ports: {db: port: 5432, metrics: port: 9187}
		env: PASSWORD: {secret: "%s-credentials", key: "password"}
		resources: {requests: {cpu: "500m", memory: "1Gi"}, limits: {cpu: "1", memory: "2Gi"}}
		probes: {
			liveness: {port: "db", initialDelaySeconds: 30}
			readiness: {port: "db", periodSeconds: 5}
		}
		services: %q: type: "Headless"
		storage: data: {mountPath: "/var/lib/data"}
		serviceAccount: create: false
	}
`, name, nsOf(i), img, i%7, name, name)
		case i%10 == 8: // a CronJob on the tainted batch group
			fmt.Fprintf(&b, `	%q: {
		namespace: %q
		kind: "CronJob"
		schedule: "%d 3 * * *"
		image: {repository: %q, tag: "2.%d.0"}
		command: ["/bin/job", "--batch"]
		resources: {requests: {cpu: "1", memory: "2Gi"}, limits: {memory: "2Gi"}}
		nodeGroup: "batch"
		job: {backoffLimit: 2, ttlSecondsAfterFinished: 3600}
	}
`, name, nsOf(i), i%60, img, i%5)
		default: // a web Deployment with config, HPA, PDB and a Service
			fmt.Fprintf(&b, `	%q: {
		namespace: %q
		image: {repository: %q, tag: "3.%d.1"}
		ports: {http: port: 8080, metrics: port: 9090}
		env: {LOG_FORMAT: "json", UPSTREAM: "http://svc-%04d.%s.svc.cluster.local:8080"}
		config: {
			env: {FEATURE_X: "on", CACHE_TTL: "30s"}
			files: "app.yaml": """
				server:
				  port: 8080
				  name: %s
				"""
		}
		resources: {requests: {cpu: "250m", memory: "512Mi"}, limits: {cpu: "1", memory: "1Gi"}}
		probes: {
			liveness: {port: "http", path: "/healthz", initialDelaySeconds: 10}
			readiness: {port: "http", path: "/ready", periodSeconds: 5}
		}
		autoscaling: cpu: 70
		services: %q: {}
		serviceAccount: iamRole: "%s-role"
		networkPolicy: egress: "aws-apis": {cidrs: ["0.0.0.0/0"], ports: [443], reason: "S3 without VPC endpoints"}
		labels: team: %q
	}
`, name, nsOf(i), img, i%9, (i+1)%n, nsOf((i+1)%n), name, name, name, nsOf(i))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func environment(env string, idx, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package environments\n\ncluster: name: %q\n\n", "bench-"+env)
	if env == "prod" {
		b.WriteString("defaults: spread: {zones: \"preferred\", hosts: \"preferred\"}\n\n")
	}
	b.WriteString("apps: {\n")
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%04d", i)
		switch {
		case i%10 == 9:
			fmt.Fprintf(&b, "\t%q: storage: data: size: \"%dGi\"\n", name, 10*(idx+1))
		case i%10 == 8:
			if env == "dev" {
				fmt.Fprintf(&b, "\t%q: enabled: false\n", name)
			}
		default:
			if env == "dev" {
				fmt.Fprintf(&b, "\t%q: autoscaling: enabled: false\n", name)
			} else {
				fmt.Fprintf(&b, "\t%q: {replicas: %d, autoscaling: {minReplicas: %d, maxReplicas: %d}, disruption: minAvailable: 1}\n",
					name, idx+1, idx+1, 5*(idx+1))
			}
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// ChangeOneApp edits the prod environment of a platform written by Write:
// one app gets another label, which changes that app's files only.
func ChangeOneApp(dir string) error {
	p := filepath.Join(dir, "environments", "prod", "prod.cue")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\napps: \"svc-0000\": labels: changed: \"yes\"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// lock returns the lock file of env: a digest derived from the reference
// for every tag the environment uses (its enabled apps' and the Cluster
// Autoscaler's), so that rendering never asks a registry.
func lock(env string, n int) []byte {
	l := &images.Lock{}
	add := func(repo, tag string) {
		l.Images = append(l.Images, images.Entry{Repository: repo, Tag: tag, Descriptor: images.Descriptor{
			Digest: digest(repo, tag), MediaType: "application/vnd.oci.image.manifest.v1+json"}})
	}
	add("registry.k8s.io/autoscaling/cluster-autoscaler", "v1.35.0")
	for i := 0; i < n; i++ {
		if i%10 == 8 && env == "dev" { // CronJobs are off in dev
			continue
		}
		add(image(i))
	}
	return l.Encode()
}
