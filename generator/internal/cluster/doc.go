// Package cluster turns an environment's cluster into the eksctl
// ClusterConfig (eksctl.io/v1alpha5) that gen writes to
// rendered/<env>/cluster/eksctl.yaml, for "eksctl create cluster -f": the
// VPC and zones, the managed node groups with the tags the Cluster
// Autoscaler discovers them by, the EKS add-ons, control-plane logging and
// the IRSA roles that the rendered ServiceAccounts name.
//
// It also refuses what eksctl or AWS would refuse only halfway through
// creating a cluster: an IRSA role shared by two ServiceAccounts, a role
// without any policy, an unknown well-known policy, a taint effect
// Kubernetes does not know, an AMI family the Kubernetes version has no
// AMIs for, more tags than a node group may carry. Those errors are CUE
// errors positioned at the field that causes them.
//
// Build is pure: no I/O, and the same model gives the same object. The
// package models eksctl's configuration with local types (see types.go);
// the tests hold those types to eksctl's by validating what Build returns
// against eksctl's published JSON schema
// (internal/schematest.ValidateEksctl).
package cluster
