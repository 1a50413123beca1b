package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/model"
)

func TestCluster(t *testing.T) {
	ptr := func(n int) *int { return &n }
	tests := []struct {
		name  string
		edit  func(e *model.Environment)
		wants []string
	}{{
		name: "clean",
		edit: func(e *model.Environment) {
			e.Cluster.StorageClasses["fast"] = model.StorageClass{Type: "gp3", IOPS: ptr(6000), Throughput: ptr(500)}
			e.Cluster.StorageClasses["db"] = model.StorageClass{Type: "io2", IOPS: ptr(10000)}
		},
	}, {
		// Seed 003's class.
		name: "gp2 with iops and throughput",
		edit: func(e *model.Environment) {
			e.Cluster.StorageClasses["gp2"] = model.StorageClass{Type: "gp2", IOPS: ptr(3000), Throughput: ptr(125), Encrypted: true}
		},
		wants: []string{"cluster.storageClasses.gp2: storage class gp2: EBS volume type gp2 does not accept iops or throughput (only gp3 and io1/io2 take iops, only gp3 takes throughput); use type gp3"},
	}, {
		name: "throughput on io1, io1 without iops",
		edit: func(e *model.Environment) {
			e.Cluster.StorageClasses["x"] = model.StorageClass{Type: "io1", Throughput: ptr(100)}
		},
		wants: []string{"cluster.storageClasses.x.throughput: storage class x: only gp3 volumes take a throughput, not io1", "cluster.storageClasses.x: storage class x: io1 volumes need iops"},
	}, {
		name: "two defaults",
		edit: func(e *model.Environment) {
			e.Cluster.StorageClasses["other"] = model.StorageClass{Type: "gp3", Default: true}
		},
		wants: []string{"cluster.storageClasses: storage classes gp3, other are all marked default; Kubernetes needs at most one"},
	}, {
		name: "node group zone outside the cluster",
		edit: func(e *model.Environment) {
			ng := e.Cluster.NodeGroups["ml"]
			ng.Zones = []string{"ap-south-1a", "eu-west-1a"}
			e.Cluster.NodeGroups["ml"] = ng
		},
		wants: []string{"cluster.nodeGroups.ml.zones: node group ml: zone eu-west-1a (entry 1) is not one of the cluster's zones (ap-south-1a, ap-south-1b, ap-south-1c)"},
	}, {
		name: "volume with an unknown storage class",
		edit: func(e *model.Environment) {
			a := newApp("db")
			a.Kind = model.StatefulSet
			a.Storage = map[string]model.Volume{"data": {Size: "1Gi", StorageClass: "gp2", MountPath: "/data"}}
			e.Apps["db"] = a
		},
		wants: []string{`apps.db.storage.data.storageClass: volume data uses storage class "gp2", which is not one of the cluster's storageClasses (gp3)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv()
			tt.edit(e)
			var got []string
			for _, p := range problems(check.Environment(e)) {
				got = append(got, p.Error)
			}
			if diff := cmp.Diff(tt.wants, got); diff != "" {
				t.Errorf("Environment() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
