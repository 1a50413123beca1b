package check

import (
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/internal/object"
)

// EBS provisioners. Claims on either are provisioned by the EBS CSI
// driver: the in-tree kubernetes.io/aws-ebs plugin hands its work to the
// driver since Kubernetes 1.23 turned CSIMigrationAWS on ("This requires
// that the Amazon EBS CSI driver is installed in a Kubernetes cluster":
// https://aws.amazon.com/blogs/containers/amazon-ebs-csi-driver-is-now-generally-available-in-amazon-eks-add-ons/).
const (
	ebsProvisioner       = "ebs.csi.aws.com"
	inTreeEBSProvisioner = "kubernetes.io/aws-ebs"
)

// eksClasses are the StorageClasses that EKS creates in every new cluster,
// by name, with their provisioner: gp2 only. None of them is the default
// one: "Starting with 1.30, Amazon EKS no longer includes the default
// annotation on the gp2 StorageClass resource applied to newly created
// clusters" (Amazon EKS User Guide, release notes for Kubernetes 1.30,
// https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html).
// gen refuses every Kubernetes version past EKS support, and 1.29, the
// last whose new clusters marked gp2 default, is past it; so a claim
// without a storageClassName needs a default class that the environment
// renders.
var eksClasses = map[string]string{"gp2": inTreeEBSProvisioner}

// defaultClassAnnotation marks the default StorageClass.
const defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"

// storageClasses are the StorageClasses of an environment's cluster: the
// ones it renders and, unless it renders one of the same name, the ones
// EKS creates.
type storageClasses struct {
	// provisioners maps each class to its provisioner.
	provisioners map[string]string
	// def is the class marked default, "" when there is none.
	def string
	// alb are the IngressClasses the objects render whose controller is
	// the AWS Load Balancer Controller's (an isolated ingress group's),
	// besides the alb class its chart creates.
	alb map[string]bool
}

func classesOf(objs []object.Object) storageClasses {
	s := storageClasses{provisioners: maps.Clone(eksClasses)}
	for _, o := range objs {
		if o.Kind() == "IngressClass" && object.String(o.Lookup("spec", "controller")) == albController {
			if s.alb == nil {
				s.alb = map[string]bool{}
			}
			s.alb[o.Name()] = true
		}
		if o.Kind() != "StorageClass" {
			continue
		}
		s.provisioners[o.Name()] = object.String(o.Lookup("provisioner"))
		if object.String(o.Lookup("metadata", "annotations", defaultClassAnnotation)) == "true" {
			s.def = o.Name()
		}
	}
	return s
}

// class returns the class a StorageClass reference resolves to: the one it
// names, or the default one when it names none; false when there is no
// such class.
func (s storageClasses) class(ref object.Ref) (string, bool) {
	name := ref.Name
	if ref.Unset {
		name = s.def
	}
	_, ok := s.provisioners[name]
	return name, ok && name != ""
}

// names returns the classes' names, sorted.
func (s storageClasses) names() []string { return slices.Sorted(maps.Keys(s.provisioners)) }

// isEBS reports whether the EBS CSI driver provisions volumes of
// provisioner.
func isEBS(provisioner string) bool {
	return provisioner == ebsProvisioner || provisioner == inTreeEBSProvisioner
}
