package load_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/model"
)

// FuzzLoad loads arbitrary CUE as environments/platform.cue and
// environments/dev/dev.cue beside the repository's schema/. Load must not
// panic: it returns the environment, or errors that are all about dev's
// input (a *model.EnvError, printable with its positions), never both.
//
// The seed corpus (testdata/fuzz/FuzzLoad) runs in every "go test"; to
// search further (CUE evaluation makes each run take milliseconds):
//
//	go test -run='^$' -fuzz='^FuzzLoad$' -fuzztime=30s ./generator/internal/load
func FuzzLoad(f *testing.F) {
	f.Add(platform, envFile(`cluster: name: "shop-dev"`))
	f.Add(platform, envFile(`cluster: name: "shop-dev"
apps: web: {
	replicas: 3
	resources: {requests: {cpu: "250m", memory: "256Mi"}, limits: {cpu: "500m", memory: "512Mi"}}
	autoscaling: {minReplicas: 2, maxReplicas: 5, cpu: 70}
	env: {LOG_LEVEL: "info", DB_PASSWORD: {secret: "db", key: "password"}}
}`))
	f.Add("package environments\n"+modeltest.Cluster, envFile(`apps: web: replicas: "three"`))
	f.Add(platform, envFile(`cluster: name: "shop-dev"
apps: web: resources: requests: cpu: "99999999999999999999"`))
	f.Add(platform, "package other\n\nx: 1")
	f.Add(platform, envFile(`cluster: nodeGroups: general: minSize: 4`))
	f.Add(platform, envFile(`import "strings"
cluster: name: strings.ToLower("SHOP-DEV")`))
	root := modeltest.Root(f, map[string]string{"environments/dev/dev.cue": ""})
	f.Fuzz(func(t *testing.T, platformSrc, devSrc string) {
		for name, src := range map[string]string{"environments/platform.cue": platformSrc, "environments/dev/dev.cue": devSrc} {
			if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		type result struct {
			envs []*model.Environment
			err  error
		}
		done := make(chan result, 1)
		go func() {
			envs, err := load.Load(root, []string{"dev"})
			done <- result{envs, err}
		}()
		var envs []*model.Environment
		var err error
		select {
		case r := <-done:
			envs, err = r.envs, r.err
		case <-time.After(time.Minute):
			t.Fatalf("Load did not return within a minute on\nplatform.cue:\n%s\ndev.cue:\n%s", platformSrc, devSrc)
		}
		if err == nil {
			if len(envs) != 1 || envs[0].Name != "dev" || envs[0].Dir != "environments/dev" {
				t.Fatalf("Load = %+v, want environment dev", envs)
			}
			return
		}
		if len(envs) != 0 {
			t.Fatalf("Load = %d environments and %v, want one or the other", len(envs), err)
		}
		var envErr *model.EnvError
		if !errors.As(err, &envErr) || envErr.Env != "dev" {
			t.Fatalf("Load error %v (%T) is not dev's *model.EnvError", err, err)
		}
		_ = cueerrors.Details(err, &cueerrors.Config{Cwd: root, ToSlash: true})
	})
}
