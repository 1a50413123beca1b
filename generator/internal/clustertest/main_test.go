package clustertest_test

import (
	"os"
	"testing"

	"github.com/gitops-gen/gen/internal/kubetest"
)

// The tests build kube-apiserver and kube-scheduler once, for all of them.
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
