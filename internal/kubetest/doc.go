// Package kubetest starts, for tests, a real Kubernetes control plane on
// 127.0.0.1: Debian's etcd (/usr/bin/etcd, package etcd-server), and a
// kube-apiserver and, on request, a kube-scheduler built from the
// k8s.io/kubernetes release that tools/kubernetes/go.mod pins: the
// Kubernetes minor of the committed clusters ([Minor]), which a test of
// generator/internal/clustertest compares with every environment's. No kubelet and no
// controller-manager run: objects are validated, stored and, for pods,
// scheduled, and nothing else happens to them.
//
// A package that uses it calls [Main] from its TestMain, which builds the
// two programs at most once per test binary (with go build, from the
// module cache and into a temporary folder, reusing the Go build cache)
// and removes them when the tests end. Each [Start] then runs a control
// plane of its own, with its state in the test's temporary folder, and
// stops it when the test ends, printing the components' logs if the test
// failed.
//
// Without /usr/bin/etcd the tests that call [Start] are skipped, saying
// so and how to run them; under CI (the CI environment variable set) they
// fail instead, since .ci/run installs etcd-server. go test -short skips
// them too, outside CI.
//
// Nothing outside _test.go files imports it.
package kubetest
