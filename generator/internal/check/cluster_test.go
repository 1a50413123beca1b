package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

func TestCluster(t *testing.T) {
	tests := []struct {
		name string
		// src is CUE of the environment besides [base].
		src   string
		wants []string
	}{{
		name: "clean",
		src: `cluster: storageClasses: {
	fast: {iops: 6000, throughput: 500}
	db: {type: "io2", iops: 10000}
}`,
	}, {
		// Seed 003's class.
		name:  "gp2 with iops and throughput",
		src:   `cluster: storageClasses: gp2: {type: "gp2", iops: 3000, throughput: 125}`,
		wants: []string{"cluster.storageClasses.gp2: storage class gp2: EBS volume type gp2 does not accept iops or throughput (only gp3 and io1/io2 take iops, only gp3 takes throughput); use type gp3"},
	}, {
		name:  "throughput on io1, io1 without iops",
		src:   `cluster: storageClasses: x: {type: "io1", throughput: 100}`,
		wants: []string{"cluster.storageClasses.x.throughput: storage class x: only gp3 volumes take a throughput, not io1", "cluster.storageClasses.x: storage class x: io1 volumes need iops"},
	}, {
		name:  "two defaults",
		src:   `cluster: storageClasses: other: default: true`,
		wants: []string{"cluster.storageClasses: storage classes gp3, other are all marked default; Kubernetes needs at most one"},
	}, {
		name:  "node group zone outside the cluster",
		src:   `cluster: nodeGroups: ml: zones: ["ap-south-1a", "eu-west-1a"]`,
		wants: []string{"cluster.nodeGroups.ml.zones: node group ml: zone eu-west-1a (entry 1) is not one of the cluster's zones (ap-south-1a, ap-south-1b, ap-south-1c)"},
	}, {
		name:  "volume with an unknown storage class",
		src:   `apps: db: {kind: "StatefulSet", storage: data: {size: "1Gi", storageClass: "gp2", mountPath: "/data"}}`,
		wants: []string{`apps.db.storage.data.storageClass: volume data uses storage class "gp2", which is not one of the cluster's storageClasses (gp3)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range problems(check.Environment(newEnv(t, tt.src))) {
				got = append(got, p.Error)
			}
			if diff := cmp.Diff(tt.wants, got); diff != "" {
				t.Errorf("Environment() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
