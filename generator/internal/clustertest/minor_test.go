package clustertest_test

import (
	"testing"

	"github.com/gitops-gen/gen/generator/internal/clustertest"
	"github.com/gitops-gen/gen/internal/kubetest"
)

// TestControlPlaneMinor checks that the control plane the other tests
// start is of the Kubernetes minor every committed cluster runs: an
// apiserver of another minor validates with another API (fields added,
// removed, or gated differently), and its verdict would not be the one
// Argo CD meets when it syncs.
func TestControlPlaneMinor(t *testing.T) {
	minor, err := kubetest.Minor()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range clustertest.Committed(t) {
		if v := e.Model.Cluster.Version; v != minor {
			t.Errorf("environment %s runs Kubernetes %s, but the test control plane is %s (%s/go.mod): "+
				"move that module to the %s release (require and replace lines, then go mod tidy there), "+
				"or give every environment one minor", e.Name, v, minor, kubetest.ModuleDir, v)
		}
	}
}
