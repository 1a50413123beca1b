package check

import (
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// cluster checks the cluster section on its own: storage classes and
// node group zones. (Whether the workloads fit is checked by [Capacity].)
func (c *checker) cluster() {
	cl := &c.env.Cluster
	var defaults []string
	for _, name := range slices.Sorted(maps.Keys(cl.StorageClasses)) {
		sc := cl.StorageClasses[name]
		at := "cluster.storageClasses." + model.Label(name)
		if sc.Type == "gp2" && (sc.IOPS != nil || sc.Throughput != nil) {
			// Seed 003's gp2 class sets iops 3000 and throughput 125: the
			// EBS CSI driver rejects that when it provisions a volume.
			c.errorf(at, "storage class %s: EBS volume type gp2 does not accept iops or throughput (only gp3 and io1/io2 take iops, only gp3 takes throughput); use type gp3", name)
		}
		if sc.Throughput != nil && sc.Type != "gp3" {
			if sc.Type != "gp2" {
				c.errorf(at+".throughput", "storage class %s: only gp3 volumes take a throughput, not %s", name, sc.Type)
			}
		}
		if (sc.Type == "io1" || sc.Type == "io2") && sc.IOPS == nil {
			c.errorf(at, "storage class %s: %s volumes need iops", name, sc.Type)
		}
		if sc.Default {
			defaults = append(defaults, name)
		}
	}
	if len(defaults) > 1 {
		c.errorf("cluster.storageClasses", "storage classes %s are all marked default; Kubernetes needs at most one", strings.Join(defaults, ", "))
	}
	c.addons()
	for _, name := range slices.Sorted(maps.Keys(cl.NodeGroups)) {
		ng := cl.NodeGroups[name]
		for i, z := range ng.Zones {
			if !slices.Contains(cl.Zones, z) {
				c.errorf("cluster.nodeGroups."+model.Label(name)+".zones", "node group %s: zone %s (entry %d) is not one of the cluster's zones (%s)",
					name, z, i, strings.Join(cl.Zones, ", "))
			}
		}
	}
}
