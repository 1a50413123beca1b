package kube

import (
	"maps"
	"slices"
	"strconv"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ebsProvisioner is the EBS CSI driver, which EKS installs as the
	// aws-ebs-csi-driver add-on. Its StorageClass parameters are documented
	// in https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md.
	ebsProvisioner = "ebs.csi.aws.com"
	// defaultClassAnnotation marks the StorageClass that claims without a
	// storageClassName get:
	// https://kubernetes.io/docs/tasks/administer-cluster/change-default-storage-class/
	defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
)

// storageClasses returns one EBS StorageClass per storage class of the
// cluster, sorted by name. They replace seed 003's gp2 class, whose iops and
// throughput gp2 volumes ignore; rejecting such a class is the check stage's
// job, so here iops and throughput are rendered whenever they are set.
func storageClasses(env *model.Environment) []*storagev1.StorageClass {
	var out []*storagev1.StorageClass
	for _, name := range slices.Sorted(maps.Keys(env.Cluster.StorageClasses)) {
		sc := env.Cluster.StorageClasses[name]
		params := map[string]string{"encrypted": strconv.FormatBool(sc.Encrypted)}
		if sc.Type != "" {
			params["type"] = sc.Type
		}
		if sc.IOPS != nil {
			params["iops"] = strconv.Itoa(*sc.IOPS)
		}
		if sc.Throughput != nil {
			params["throughput"] = strconv.Itoa(*sc.Throughput)
		}
		var annotations map[string]string
		if sc.Default {
			annotations = map[string]string{defaultClassAnnotation: "true"}
		}
		c := &storagev1.StorageClass{
			TypeMeta: storageClassType,
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Labels:      platformLabels(env.Base(), ""),
				Annotations: annotations,
			},
			Provisioner:          ebsProvisioner,
			Parameters:           params,
			AllowVolumeExpansion: new(sc.AllowVolumeExpansion),
		}
		// Unset, the API server's defaults apply: Delete and Immediate.
		if sc.ReclaimPolicy != "" {
			c.ReclaimPolicy = new(corev1.PersistentVolumeReclaimPolicy(sc.ReclaimPolicy))
		}
		if sc.VolumeBindingMode != "" {
			c.VolumeBindingMode = new(storagev1.VolumeBindingMode(sc.VolumeBindingMode))
		}
		out = append(out, c)
	}
	return out
}
