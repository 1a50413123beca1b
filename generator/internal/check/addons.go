package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/addons"
	"github.com/gitops-gen/gen/generator/model"
)

// addonTable names gen's add-on table in messages.
const addonTable = "generator/internal/addons/data/eks-addons.json"

// addons checks that every EKS add-on is one gen knows, at a version that
// supports the cluster's Kubernetes version: an exact version from gen's
// table, or none (gen's default for that Kubernetes version). "latest"
// would build a different cluster every month.
func (c *checker) addons() {
	cl := &c.env.Cluster
	for _, name := range slices.Sorted(maps.Keys(cl.Addons)) {
		if _, ok := cl.Addon(name); !ok {
			continue
		}
		at := "cluster.addons." + model.Label(name)
		if !addons.Known(name) {
			c.errorf(at, "add-on %s is not in gen's add-on table (%s, %s), so gen cannot pin it; add-ons gen knows: %s",
				name, addonTable, addons.Date(), strings.Join(addons.Names(), ", "))
			continue
		}
		versions := addons.Versions(name, cl.Version)
		if len(versions) == 0 {
			c.errorf(at, "add-on %s: gen's add-on table (%s, %s) lists no version of it for Kubernetes %s",
				name, addonTable, addons.Date(), cl.Version)
			continue
		}
		v := cl.Addons[name].Version
		if v == "" || addons.Compatible(name, v, cl.Version) {
			continue
		}
		def, _ := addons.Default(name, cl.Version)
		what := fmt.Sprintf("version %s does not support Kubernetes %s", v, cl.Version)
		if v == "latest" {
			what = `version "latest" is not a version: eksctl would install whatever is newest that day`
		}
		c.errorf(at+".version", "add-on %s: %s; versions for Kubernetes %s (gen's table, %s): %s; or leave version out for %s",
			name, what, cl.Version, addons.Date(), strings.Join(versions, ", "), def)
	}
}
