// Package addons knows the EKS managed add-ons gen can put in a
// ClusterConfig: which versions of each are compatible with which
// Kubernetes minor, and which one gen installs when the environment names
// none. The facts come from a dated table embedded in the binary
// (data/eks-addons.json, its sources in data/README.md), so that a render
// never asks AWS and the same gen renders the same cluster.
//
// It decides nothing about an environment: check refuses add-on versions
// the table does not list for the cluster's version, and cluster writes
// the versions into the ClusterConfig.
package addons
