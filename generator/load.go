package generator

import "github.com/gitops-gen/gen/generator/model"

// Load loads and checks the environments in opts (all of them by default)
// and returns them sorted by name, without pinning or building anything.
// Problems with the input come back as [*model.EnvError] values, as from
// [Render]. It writes nothing.
func Load(opts Options) ([]*model.Environment, error) {
	return loadChecked(opts)
}
