package check

import (
	"sync"

	"github.com/gitops-gen/gen/generator/model"
)

// Clusters refuses environments whose clusters have one name in one
// account and region, as two platforms' environments of the same name
// easily would: eksctl would find the other's cluster in place of its
// own, and the IAM roles named after the cluster would be shared. envs
// are sorted by name; each environment after the first of a name gets an
// error at its cluster.name, naming the first.
func Clusters(envs []*model.Environment) map[*model.Environment]error {
	set := NewClusterSet()
	out := map[*model.Environment]error{}
	for _, env := range envs {
		if err := set.Add(env); err != nil {
			out[env] = err
		}
	}
	return out
}

// ClusterSet is Clusters one environment at a time, for environments
// loaded and let go of one by one: Add refuses an environment whose
// cluster an environment added before it has. Added in name order, it
// blames the environments Clusters does. It is safe for concurrent use.
type ClusterSet struct {
	mu    sync.Mutex
	first map[clusterKey]string
}

type clusterKey struct{ account, region, name string }

// NewClusterSet returns an empty ClusterSet.
func NewClusterSet() *ClusterSet {
	return &ClusterSet{first: map[clusterKey]string{}}
}

// Add records env's cluster, or returns the error at env's cluster.name
// when an environment added before has it.
func (s *ClusterSet) Add(env *model.Environment) error {
	c := env.Cluster
	k := clusterKey{c.AccountID, c.Region, c.Name}
	s.mu.Lock()
	other, ok := s.first[k]
	if !ok {
		s.first[k] = env.Name
	}
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return env.Errorf("cluster.name",
		"cluster %s (account %s, %s) is also environment %s's: each environment has a cluster of its own; give this one another name, e.g. cluster: name: %q",
		c.Name, c.AccountID, c.Region, other, suggestClusterName(env))
}

// suggestClusterName returns a cluster name that says which environment
// it is: the platform and the environment folder's name.
func suggestClusterName(env *model.Environment) string {
	if env.Platform.Name != "" {
		return env.Platform.Name + "-" + env.Base()
	}
	return env.Base()
}
