package check_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/addons"
	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/model"
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
		// A version must be exact and support the cluster's Kubernetes.
		name: "add-on versions",
		src: `cluster: addons: {
	coredns: version: "latest"
	"kube-proxy": version: "v1.34.6-eksbuild.13"
}`,
		wants: []string{
			addonError("coredns", "latest", `version "latest" is not a version: eksctl would install whatever is newest that day`),
			addonError("kube-proxy", "v1.34.6-eksbuild.13", "version v1.34.6-eksbuild.13 does not support Kubernetes 1.35"),
		},
	}, {
		name: "an add-on gen does not know",
		src:  `cluster: addons: "amazon-cloudwatch-observability": {}`,
		wants: []string{"cluster.addons.\"amazon-cloudwatch-observability\": add-on amazon-cloudwatch-observability is not in gen's add-on table (generator/internal/addons/data/eks-addons.json, " +
			addons.Date() + "), so gen cannot pin it; add-ons gen knows: " + strings.Join(addons.Names(), ", ")},
	}, {
		name: "an exact version the table lists for the cluster's Kubernetes",
		src:  `cluster: addons: coredns: version: "v1.13.2-eksbuild.31"`,
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

// addonError is check's message for add-on name at a version that does
// not support the tests' Kubernetes 1.35, what saying why; the versions it
// lists are those of gen's table.
func addonError(name, version, what string) string {
	def, _ := addons.Default(name, "1.35")
	return fmt.Sprintf("cluster.addons.%s.version: add-on %s: %s; versions for Kubernetes 1.35 (gen's table, %s): %s; or leave version out for %s",
		model.Label(name), name, what, addons.Date(), strings.Join(addons.Versions(name, "1.35"), ", "), def)
}

// A Kubernetes version gen's add-on table does not cover: every add-on is
// reported, since none can be pinned.
func TestClusterAddonsUnknownKubernetes(t *testing.T) {
	env := newEnv(t, "")
	env.Cluster.Version = "1.29"
	var got []string
	for _, p := range problems(check.Environment(env)) {
		got = append(got, p.Error)
	}
	var want []string
	for _, name := range []string{"aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "metrics-server", "vpc-cni"} {
		want = append(want, fmt.Sprintf("cluster.addons.%s: add-on %s: gen's add-on table (generator/internal/addons/data/eks-addons.json, %s) lists no version of it for Kubernetes 1.29",
			model.Label(name), name, addons.Date()))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Environment(Kubernetes 1.29) mismatch (-want +got):\n%s", diff)
	}
}
