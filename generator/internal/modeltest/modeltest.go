package modeltest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sync"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/repotest"
)

// Env returns the environment name as gen loads it when
// environments/<name>/ holds src, CUE fields of schema.#Environment
// without a package clause. Every field src leaves out has the schema's
// default; the required ones (cluster, and each app's image) must be in
// src. Env fails the test when src does not load.
//
// The result is a fresh copy the caller may change. Its Value and Source
// are the zero cue.Value, so errors built from it carry no position, and
// Inputs is nil; Dir is "environments/<name>", as gen sets it.
func Env(t testing.TB, name, src string) *model.Environment {
	t.Helper()
	env, err := loaded(name, src)
	if err != nil {
		t.Fatalf("modeltest.Env(%q):\n%s\nsource:\n%s", name, err, src)
	}
	return env
}

// Cluster is the CUE of a small valid cluster, for an environment whose
// cluster a test does not look at: "test" in eu-west-1 (account
// 123456789012, Kubernetes 1.35, two zones, no node groups), with the
// schema's defaults for everything else. Use it as
// Env(t, "dev", modeltest.Cluster+`apps: ...`).
const Cluster = `cluster: {
	name:      "test"
	region:    "eu-west-1"
	accountID: "123456789012"
	version:   "1.35"
	zones: ["eu-west-1a", "eu-west-1b"]
}
`

// ChatbotProd is the CUE of seed 003's production cluster, which most
// fixtures run on: chatbot-prod in ap-south-1 (account 123456789012,
// three zones, Kubernetes 1.35) with a general node group (t3.medium,
// 2-5) and an ml node group (m5.large, 1-3, 50 GiB disks), labelled
// workload: general and workload: ml. A fixture adds the rest by
// unification, e.g. the ml group's taints or more node groups.
const ChatbotProd = `cluster: {
	name:      "chatbot-prod"
	region:    "ap-south-1"
	accountID: "123456789012"
	version:   "1.35"
	zones: ["ap-south-1a", "ap-south-1b", "ap-south-1c"]
	nodeGroups: {
		general: {
			instanceTypes: ["t3.medium"]
			minSize: 2
			maxSize: 5
			labels: workload: "general"
		}
		ml: {
			instanceTypes: ["m5.large"]
			minSize: 1
			maxSize: 3
			labels: workload: "ml"
			volumeSize: 50
		}
	}
}
`

// OneController is the CUE that keeps, of the controllers the schema
// enables, only the AWS Load Balancer Controller, as two pods without
// requests (its chart's defaults): capacity and plan tests whose numbers
// were worked out before the other controllers existed use it.
const OneController = `
platform: controllers: {
	"aws-load-balancer-controller": pods: controller: requests: {cpu: "0", memory: "0"}
	"external-secrets": enabled:    false
	"prometheus-operator": enabled: false
	"argo-rollouts": enabled:       false
	"fluent-bit": enabled:          false
}
`

// NodeAgent is the CUE of a controller whose pod runs on every node, a
// DaemonSet's (perNode), tolerating every taint: node-agent, in
// namespace agents, 50m / 64Mi per node.
const NodeAgent = `
platform: controllers: "node-agent": {
	chart: {repoURL: "https://charts.example.com", name: "node-agent", version: "1.0.0"}
	namespace: "agents"
	serviceAccount: name: "node-agent"
	tolerations: *[{operator: "Exists"}] | _
	pods: controller: {perNode: true, requests: {cpu: *"50m" | _, memory: *"64Mi" | _}}
}
`

// ChatbotProdApps is the CUE of seed 003's prod in small, on which every
// check passes: [ChatbotProd] with its ml node group tainted
// workload=ml:NoSchedule, the namespace chatbot, and four apps in it,
// each part of chatbot, with a port http 8080 and its image
// 123456789012.dkr.ecr.ap-south-1.amazonaws.com/<name>:1.0.0:
//
//   - backend: 250m / 256Mi, 2 replicas, an HPA of 2-5 on cpu, a ClusterIP
//     Service and an internet-facing LoadBalancer one;
//   - ml: 1 CPU / 2Gi on the ml group, an HPA of 1-2 on memory, IAM role
//     chatbot-ml;
//   - mongodb: a StatefulSet of 500m / 1Gi with 10Gi of gp3;
//   - retrain: a CronJob of 500m / 1Gi on the ml group, IAM role
//     chatbot-retrain; small enough to share the one ml node at min with
//     ml (an m5.large holds 1750m of requests beside the DaemonSets).
//
// The roles chatbot-ml and chatbot-retrain are declared, with
// AmazonS3ReadOnlyAccess; everything else is the schema's default,
// including the Cluster Autoscaler. It is the environment of the capacity
// checks' and gen plan's tests; a test adds to it by unification, e.g. an
// app or a node group, and changes its values in Go.
const ChatbotProdApps = ChatbotProd + `
cluster: {
	nodeGroups: ml: taints: [{key: "workload", value: "ml"}]
	iam: roles: {
		"chatbot-ml": policyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
		"chatbot-retrain": policyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
	}
}
namespaces: chatbot: {}
defaults: {namespace: "chatbot", partOf: "chatbot"}
apps: [Name=_]: {
	image: *{repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/\(Name)", tag: "1.0.0"} | _
	ports: http: port: 8080
}
apps: {
	backend: {
		replicas: 2
		resources: requests: {cpu: "250m", memory: "256Mi"}
		autoscaling: {minReplicas: 2, maxReplicas: 5, cpu: 70}
		services: {
			backend: {}
			"backend-public": type: "LoadBalancer"
		}
	}
	ml: {
		nodeGroup: "ml"
		resources: requests: {cpu: "1", memory: "2Gi"}
		autoscaling: {minReplicas: 1, maxReplicas: 2, memory: 75}
		serviceAccount: iamRole: "chatbot-ml"
	}
	mongodb: {
		kind: "StatefulSet"
		resources: requests: {cpu: "500m", memory: "1Gi"}
		storage: data: {size: "10Gi", mountPath: "/data/db"}
	}
	retrain: {
		kind:      "CronJob"
		schedule:  "0 2 * * *"
		nodeGroup: "ml"
		resources: requests: {cpu: "500m", memory: "1Gi"}
		serviceAccount: iamRole: "chatbot-retrain"
	}
}
`

// AppEnv is the name of the environment [App] loads its app in.
const AppEnv = "test"

// appEnv is the environment of [App] after [Cluster]: one namespace that
// apps are in by default, and a default image. %[1]s is the app's name as
// a CUE label, %[2]s its source and %[3]s its name.
const appEnv = `namespaces: default: {}
defaults: namespace: "default"
apps: %[1]s: image: *{
	repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/%[3]s"
	tag:        "1.0.0"
} | _
apps: %[1]s: {
%[2]s
}
`

// App returns the app name with the schema's defaults and src, CUE
// fields of schema.#App, as gen loads it from an environment named
// [AppEnv] on the [Cluster] "test". Besides the schema's defaults, the app
// is in namespace "default" (src may name another; App does not check
// that it exists) and its image is
// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/<name>:1.0.0 unless src
// gives one (then a whole #Image, with its repository). App fails the
// test when the app does not load.
//
// The result is a fresh copy the caller may change, e.g. to put it in an
// environment of its own.
func App(t testing.TB, name, src string) *model.App {
	t.Helper()
	env := Env(t, AppEnv, Cluster+fmt.Sprintf(appEnv, model.Label(name), src, name))
	app := env.Apps[name]
	if app == nil {
		t.Fatalf("modeltest.App(%q): no such app after loading", name)
	}
	return app
}

// Root returns a new temporary repository root holding a copy of the
// repository's schema/ and cue.mod/ and files (slash path: content), e.g.
// {"environments/dev/dev.cue": "package environments\n..."}.
func Root(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := writeRoot(root, files); err != nil {
		t.Fatal(err)
	}
	return root
}

// writeRoot copies schema/ and cue.mod/ of the repository into root and
// writes files there.
func writeRoot(root string, files map[string]string) error {
	repo, err := repotest.Root()
	if err != nil {
		return err
	}
	for _, dir := range []string{"cue.mod", load.SchemaDir} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repo, dir))); err != nil {
			return err
		}
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// decoded is an environment as load decoded it: its JSON and its Dir.
type decoded struct {
	json []byte
	dir  string
}

var (
	mu    sync.Mutex
	cache = map[[2]string]func() (decoded, error){}
)

// loaded returns a fresh copy of the environment name loaded from src,
// evaluating the CUE only on the first call with them.
func loaded(name, src string) (*model.Environment, error) {
	key := [2]string{name, src}
	mu.Lock()
	load, ok := cache[key]
	if !ok {
		load = sync.OnceValues(func() (decoded, error) { return loadEnv(name, src) })
		cache[key] = load
	}
	mu.Unlock()
	d, err := load()
	if err != nil {
		return nil, err
	}
	env := &model.Environment{Name: name, Dir: d.dir}
	if err := json.Unmarshal(d.json, env); err != nil {
		return nil, err
	}
	return env, nil
}

// loadEnv loads src as environments/<name>/ of a temporary root with
// load.Load, and returns the JSON it decoded.
func loadEnv(name, src string) (decoded, error) {
	root, err := os.MkdirTemp("", "modeltest-")
	if err != nil {
		return decoded{}, err
	}
	defer os.RemoveAll(root)
	file := load.Dir + "/" + name + "/" + path.Base(name) + ".cue"
	if err := writeRoot(root, map[string]string{file: "package environments\n\n" + src + "\n"}); err != nil {
		return decoded{}, err
	}
	env, b, err := load.Exported(root, name)
	if err != nil {
		// Every problem, with positions relative to the root.
		return decoded{}, errors.New(cueerrors.Details(err, &cueerrors.Config{Cwd: root, ToSlash: true}))
	}
	// The JSON load decoded, whose decoding into a new Environment is
	// then the same as load's.
	return decoded{json: b, dir: env.Dir}, nil
}
