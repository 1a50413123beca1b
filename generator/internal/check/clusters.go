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
// error at its cluster.name, naming the first. known are the clusters of
// environments not loaded, by environment (see ClusterSet.Known).
func Clusters(envs []*model.Environment, known map[string]ClusterID) map[*model.Environment]error {
	set := NewClusterSet()
	for env, id := range known {
		set.Known(env, id)
	}
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
	id := IDOf(env)
	k := clusterKey{id.Account, id.Region, id.Name}
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

// ClusterID is what names a cluster: its account, region and name.
type ClusterID struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Name    string `json:"name"`
}

// IDOf is env's cluster's ClusterID.
func IDOf(env *model.Environment) ClusterID {
	return ClusterID{env.Cluster.AccountID, env.Cluster.Region, env.Cluster.Name}
}

// Known records the cluster of an environment that is not added (one a
// render leaves alone, unchanged since its last render): an environment
// added with the same cluster is refused, whatever the order of their
// names, since only it can be changed.
func (s *ClusterSet) Known(env string, id ClusterID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := clusterKey{id.Account, id.Region, id.Name}
	if _, ok := s.first[k]; !ok {
		s.first[k] = env
	}
}

// suggestClusterName returns a cluster name that says which environment
// it is: the platform and the environment folder's name.
func suggestClusterName(env *model.Environment) string {
	if env.Platform.Name != "" {
		return env.Platform.Name + "-" + env.Base()
	}
	return env.Base()
}
