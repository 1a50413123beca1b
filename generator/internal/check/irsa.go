package check

import (
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// irsa checks that every IAM role a ServiceAccount uses is declared in
// cluster.iam.roles, and that every declared role is used.
func (c *capacityChecker) irsa() {
	roles := c.Env.Cluster.IAM.Roles
	declared := strings.Join(slices.Sorted(maps.Keys(roles)), ", ")
	if declared == "" {
		declared = "none"
	}
	used := map[string]bool{}
	use := func(role, path, who string) {
		if role == "" {
			return
		}
		used[role] = true
		if _, ok := roles[role]; !ok {
			c.errorf(path, "%s uses IAM role %q, which cluster.iam.roles does not declare (declared: %s); declare it so the ClusterConfig creates it",
				who, role, declared)
		}
	}
	disabled := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(c.Env.Apps)) {
		app := c.Env.Apps[name]
		if !app.ServiceAccount.Create || app.ServiceAccount.IAMRole == "" {
			continue
		}
		if !app.Enabled {
			disabled[app.ServiceAccount.IAMRole] = append(disabled[app.ServiceAccount.IAMRole], name)
			continue
		}
		use(app.ServiceAccount.IAMRole, app.Path("serviceAccount.iamRole"), "the app's ServiceAccount")
	}
	cl := c.Env.Cluster
	if cl.Autoscaler.Enabled {
		use(cl.Autoscaler.IAMRole, "cluster.autoscaler.iamRole", "the Cluster Autoscaler")
	}
	for _, name := range c.Env.EnabledControllers() {
		ctl := c.Env.Platform.Controllers[name]
		use(ctl.ServiceAccount.IAMRole, ctl.Path("serviceAccount.iamRole"), "controller "+name)
	}
	use(cl.EBSCSIDriver.IAMRole, "cluster.ebsCSIDriver.iamRole", "the EBS CSI driver")
	for _, name := range slices.Sorted(maps.Keys(c.Env.SecretStores)) {
		if st := c.Env.SecretStores[name]; st.AWS != nil {
			use(st.AWS.IAMRole, "secretStores."+model.Label(name)+".aws.iamRole", "secret store "+name)
		}
	}
	for _, role := range slices.Sorted(maps.Keys(roles)) {
		if used[role] {
			continue
		}
		path := "cluster.iam.roles." + model.Label(role)
		if len(disabled[role]) > 0 {
			// An app turned off in this environment (ML in dev) keeps its
			// role declared for the environments where it runs; the
			// ClusterConfig simply leaves it out.
			continue
		}
		c.errorf(path, "IAM role %q is declared but no ServiceAccount uses it: name it in an app's serviceAccount.iamRole, a controller's iamRole or a secret store's aws.iamRole, or remove it", role)
	}
}
