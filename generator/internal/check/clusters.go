package check

import (
	"github.com/gitops-gen/gen/generator/model"
)

// Clusters refuses environments whose clusters have one name in one
// account and region, as two platforms' environments of the same name
// easily would: eksctl would find the other's cluster in place of its
// own, and the IAM roles named after the cluster would be shared. envs
// are sorted by name; each environment after the first of a name gets an
// error at its cluster.name, naming the first.
func Clusters(envs []*model.Environment) map[*model.Environment]error {
	type key struct{ account, region, name string }
	first := map[key]*model.Environment{}
	out := map[*model.Environment]error{}
	for _, env := range envs {
		c := env.Cluster
		k := key{c.AccountID, c.Region, c.Name}
		other, ok := first[k]
		if !ok {
			first[k] = env
			continue
		}
		out[env] = env.Errorf("cluster.name",
			"cluster %s (account %s, %s) is also environment %s's: each environment has a cluster of its own; give this one another name, e.g. cluster: name: %q",
			c.Name, c.AccountID, c.Region, other.Name, suggestClusterName(env))
	}
	return out
}

// suggestClusterName returns a cluster name that says which environment
// it is: the platform and the environment folder's name.
func suggestClusterName(env *model.Environment) string {
	if env.Platform.Name != "" {
		return env.Platform.Name + "-" + env.Base()
	}
	return env.Base()
}
