package load_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/model"
)

// platform is a shared environments/platform.cue: a cluster, one namespace
// and one app, web, that states nothing the defaults provide.
const platform = `package environments

cluster: {
	region:    "eu-west-1"
	accountID: "123456789012"
	version:   "1.35"
	zones: ["eu-west-1a", "eu-west-1b"]
	nodeGroups: general: {instanceTypes: ["m6i.large"], minSize: 1, maxSize: 3}
}
namespaces: shop: {}
apps: web: {
	namespace: "shop"
	image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", tag: "1.0.0"}
	ports: http: port: 8080
}
`

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// envFile returns an environment file: the package clause and body.
func envFile(body string) string { return "package environments\n\n" + body }

func names(envs []*model.Environment) []string {
	var out []string
	for _, e := range envs {
		out = append(out, e.Name)
	}
	return out
}

// envErrors returns the *model.EnvError values joined in err, by name.
func envErrors(t *testing.T, err error) map[string]*model.EnvError {
	t.Helper()
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := map[string]*model.EnvError{}
	for _, e := range errs {
		var envErr *model.EnvError
		if !errors.As(e, &envErr) {
			t.Fatalf("error %v (%T) is not a *model.EnvError", e, e)
		}
		out[envErr.Env] = envErr
	}
	return out
}

// position is a source position relative to the root, with forward slashes.
type position struct {
	File      string
	Line, Col int
}

func positionsOf(t *testing.T, root string, ps []token.Pos) []position {
	t.Helper()
	var out []position
	for _, p := range ps {
		rel, err := filepath.Rel(root, p.Filename())
		if err != nil {
			t.Fatalf("position %v is not under %s: %v", p, root, err)
		}
		out = append(out, position{filepath.ToSlash(rel), p.Line(), p.Column()})
	}
	return out
}

func TestEnvironments(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "none",
			files: map[string]string{"environments/platform.cue": platform},
		},
		{
			name: "sorted",
			files: map[string]string{
				"environments/staging/staging.cue": envFile(""),
				"environments/dev/dev.cue":         envFile(""),
				"environments/prod/a.cue":          envFile(""),
				"environments/prod/b.cue":          envFile(""),
			},
			want: []string{"dev", "prod", "staging"},
		},
		{
			name: "only folders with CUE files",
			files: map[string]string{
				"environments/platform.cue":     platform,
				"environments/README.md":        "# environments\n",
				"environments/dev/dev.cue":      envFile(""),
				"environments/docs/README.md":   "# not an environment\n",
				"environments/yaml/values.yaml": "a: 1\n",
			},
			want: []string{"dev"},
		},
		{
			name: "platforms",
			files: map[string]string{
				"environments/shared.cue":                 platform,
				"environments/chatbot/platform.cue":       platform,
				"environments/chatbot/prod/prod.cue":      envFile(""),
				"environments/chatbot/dev/dev.cue":        envFile(""),
				"environments/chatbot/docs/README.md":     "# not an environment\n",
				"environments/chatbot/_next/x/x.cue":      envFile(""),
				"environments/shuttle/prod/prod.cue":      envFile(""),
				"environments/shuttle-x/prod/prod.cue":    envFile(""),
				"environments/nested/sub/sub.cue":         envFile(""),
				"environments/_next/koorde/prod/prod.cue": envFile(""),
				"environments/.old/koorde/prod/prod.cue":  envFile(""),
			},
			want: []string{"chatbot/dev", "chatbot/prod", "nested/sub", "shuttle-x/prod", "shuttle/prod"},
		},
		{
			name: "a platform beside flat environments",
			files: map[string]string{
				"environments/dev/dev.cue":            envFile(""),
				"environments/chatbot/prod/prod.cue":  envFile(""),
				"environments/chatbot/prod/notes.txt": "",
			},
			want: []string{"chatbot/prod", "dev"},
		},
		{
			name: "hidden and underscore folders are skipped",
			files: map[string]string{
				"environments/dev/dev.cue":        envFile(""),
				"environments/_template/env.cue":  envFile(""),
				"environments/.scratch/prod.cue":  envFile(""),
				"environments/_/x.cue":            envFile(""),
				"environments/.git/HEAD":          "ref: refs/heads/main\n",
				"environments/prod.cue/README.md": "a folder whose name ends in .cue\n",
			},
			want: []string{"dev"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tt.files)
			got, err := load.Environments(root)
			if err != nil {
				t.Fatalf("Environments(root) = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Environments(root) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnvironmentsLayoutErrors: .cue files deeper than
// environments/<platform>/<env>/, and symbolic links among a platform's
// folders, are refused with the path.
func TestEnvironmentsLayoutErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		link  [2]string // link[0] -> link[1], relative to the root
		want  string
	}{
		{
			name: "too deep",
			files: map[string]string{
				"environments/chatbot/prod/prod.cue":       envFile(""),
				"environments/chatbot/prod/eu/eu.cue":      envFile(""),
				"environments/chatbot/staging/staging.cue": envFile(""),
			},
			want: "environments/chatbot/prod/eu holds .cue files, deeper than an environment can be: an environment is environments/<env>/ or environments/<platform>/<env>/ (at most two folders deep); move the files up, or start the folder's name with _ for gen to skip it",
		},
		{
			name: "too deep without files between",
			files: map[string]string{
				"environments/a/b/c/d/x.cue": envFile(""),
			},
			want: "environments/a/b/c holds .cue files, deeper than an environment can be: an environment is environments/<env>/ or environments/<platform>/<env>/ (at most two folders deep); move the files up, or start the folder's name with _ for gen to skip it",
		},
		{
			name: "a link among a platform's environments",
			files: map[string]string{
				"environments/chatbot/prod/prod.cue": envFile(""),
				"elsewhere/dev.cue":                  envFile(""),
			},
			link: [2]string{"environments/chatbot/dev", "../../elsewhere"},
			want: "environments/chatbot/dev is a symbolic link: an environment must be a folder of the repository (gen follows no symbolic link under environments/); replace the link with the folder",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tt.files)
			if tt.link[0] != "" {
				if err := os.Symlink(tt.link[1], filepath.Join(root, tt.link[0])); err != nil {
					t.Skipf("no symbolic links here: %v", err)
				}
			}
			got, err := load.Environments(root)
			if err == nil {
				t.Fatalf("Environments(root) = %q, nil, want an error", got)
			}
			if err.Error() != tt.want {
				t.Errorf("Environments(root) = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestLoadPlatform: an environment of a platform is named by its path,
// loads the files of its platform's folder and of environments/, and has
// its folder's own name as name and the platform's as platform.name.
func TestLoadPlatform(t *testing.T) {
	root := modeltest.Root(t, map[string]string{
		"environments/shared.cue":            platform,
		"environments/chatbot/chatbot.cue":   "package environments\n\nname: string\nplatform: name: string\nlet env = name\ncluster: name: \"\\(platform.name)-\\(env)\"\n",
		"environments/chatbot/prod/prod.cue": envFile("apps: web: replicas: 3\n"),
		"environments/shuttle/prod/prod.cue": envFile(`cluster: name: "shuttle-prod"` + "\n"),
	})
	names, err := load.Environments(root)
	if err != nil {
		t.Fatal(err)
	}
	envs, err := load.Load(root, names)
	if err != nil {
		t.Fatalf("Load(root, %q) = %v", names, err)
	}
	type got struct{ Name, Base, Platform, Dir, Cluster string }
	var gots []got
	for _, e := range envs {
		gots = append(gots, got{e.Name, e.Base(), e.Platform.Name, e.Dir, e.Cluster.Name})
	}
	want := []got{
		{"chatbot/prod", "prod", "chatbot", "environments/chatbot/prod", "chatbot-prod"},
		{"shuttle/prod", "prod", "shuttle", "environments/shuttle/prod", "shuttle-prod"},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("Load mismatch (-want +got):\n%s", diff)
	}
	if got := envs[0].Apps["web"].Replicas; got != 3 {
		t.Errorf("chatbot/prod: apps.web.replicas = %v, want 3 (from the environment's own file)", got)
	}
}

func TestEnvironmentsMissingDir(t *testing.T) {
	root := t.TempDir()
	got, err := load.Environments(root)
	if err == nil {
		t.Fatalf("Environments(root without environments/) = %v, nil, want an error", got)
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "listing environments: ") {
		t.Errorf("Environments(root without environments/) = %v, want listing environments: ... (fs.ErrNotExist)", err)
	}
}

// TestEnvironmentsFolderNamedCUE: a folder whose only entry is a folder
// named like a CUE file is not an environment.
func TestEnvironmentsFolderNamedCUE(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"environments/dev/dev.cue":         envFile(""),
		"environments/odd/x.cue/README.md": "a folder, not a CUE file\n",
	})
	got, err := load.Environments(root)
	if err != nil {
		t.Fatalf("Environments(root) = %v", err)
	}
	if diff := cmp.Diff([]string{"dev"}, got); diff != "" {
		t.Errorf("Environments(root) mismatch (-want +got):\n%s", diff)
	}
}

func TestLoad(t *testing.T) {
	root := modeltest.Root(t, map[string]string{
		"environments/platform.cue":  platform,
		"environments/dev/dev.cue":   envFile(`cluster: name: "dev"` + "\n"),
		"environments/prod/prod.cue": envFile(`cluster: name: "prod"` + "\napps: web: replicas: 3\n"),
	})
	in := []string{"prod", "dev", "prod"}
	envs, err := load.Load(root, in)
	if err != nil {
		t.Fatalf("Load(root, %q) = %v", in, err)
	}
	if diff := cmp.Diff([]string{"prod", "dev", "prod"}, in); diff != "" {
		t.Errorf("Load(root, names) changed names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"dev", "prod"}, names(envs)); diff != "" {
		t.Fatalf("Load(root, %q) names mismatch (-want +got):\n%s", in, diff)
	}
	type summary struct {
		Name, Dir, Cluster, ValueName string
		Apps                          []string
		Image                         string
		Replicas                      int32
	}
	var got []summary
	for _, e := range envs {
		s := summary{Name: e.Name, Dir: e.Dir, Cluster: e.Cluster.Name}
		s.ValueName, _ = e.Value.LookupPath(cue.ParsePath("name")).String()
		for name := range e.Apps {
			s.Apps = append(s.Apps, name)
		}
		if web := e.Apps["web"]; web != nil {
			s.Image, s.Replicas = web.Image.Reference(), web.Replicas
		}
		got = append(got, s)
	}
	// The shared platform.cue gives both environments the app web; prod
	// changes its replicas.
	want := []summary{
		{Name: "dev", Dir: "environments/dev", Cluster: "dev", ValueName: "dev", Apps: []string{"web"}, Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0", Replicas: 1},
		{Name: "prod", Dir: "environments/prod", Cluster: "prod", ValueName: "prod", Apps: []string{"web"}, Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0", Replicas: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load(root, %q) mismatch (-want +got):\n%s", in, diff)
	}
}

func TestLoadNone(t *testing.T) {
	root := modeltest.Root(t, map[string]string{"environments/platform.cue": platform})
	envs, err := load.Load(root, nil)
	if len(envs) != 0 || err != nil {
		t.Errorf("Load(root, nil) = %v, %v, want none, nil", names(envs), err)
	}
}

func TestLoadDefaults(t *testing.T) {
	// The app worker lives in environments/dev/ and states only its image.
	const worker = `
apps: worker: image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker", tag: "2.0.0"}
`
	const defaults = `
namespaces: jobs: {}
defaults: {
	namespace:                     "jobs"
	partOf:                        "shop"
	terminationGracePeriodSeconds: 60
	spread: {zones: "required", hosts: "preferred"}
	antiAffinity: "preferred"
	labels: team: "payments"
}
`
	type settings struct {
		Namespace, PartOf string
		Grace             int64
		Spread            model.Spread
		AntiAffinity      string
		Labels            map[string]string
	}
	tests := []struct {
		name string
		dev  string
		want settings
	}{
		{
			name: "schema defaults",
			dev:  worker + `apps: worker: namespace: "shop"` + "\n",
			want: settings{
				Namespace:    "shop",
				PartOf:       "worker",
				Grace:        30,
				Spread:       model.Spread{Zones: "none", Hosts: "none"},
				AntiAffinity: "none",
				Labels:       map[string]string{},
			},
		},
		{
			name: "environment defaults",
			dev:  worker + defaults,
			want: settings{
				Namespace:    "jobs",
				PartOf:       "shop",
				Grace:        60,
				Spread:       model.Spread{Zones: "required", Hosts: "preferred"},
				AntiAffinity: "preferred",
				Labels:       map[string]string{"team": "payments"},
			},
		},
		{
			name: "the app overrides the environment defaults",
			dev: worker + defaults + `
apps: worker: {
	namespace:                     "shop"
	partOf:                        "batch"
	terminationGracePeriodSeconds: 5
	spread: {zones: "none", hosts: "required"}
	antiAffinity: "required"
	labels: tier: "jobs"
}
`,
			want: settings{
				Namespace:    "shop",
				PartOf:       "batch",
				Grace:        5,
				Spread:       model.Spread{Zones: "none", Hosts: "required"},
				AntiAffinity: "required",
				Labels:       map[string]string{"team": "payments", "tier": "jobs"},
			},
		},
		{
			name: "the app overrides the schema defaults",
			dev: worker + `
apps: worker: {
	namespace:                     "shop"
	partOf:                        "batch"
	terminationGracePeriodSeconds: 0
	spread: {zones: "preferred", hosts: "required"}
	antiAffinity: "required"
}
`,
			want: settings{
				Namespace:    "shop",
				PartOf:       "batch",
				Grace:        0,
				Spread:       model.Spread{Zones: "preferred", Hosts: "required"},
				AntiAffinity: "required",
				Labels:       map[string]string{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := modeltest.Root(t, map[string]string{
				"environments/platform.cue": platform,
				"environments/dev/dev.cue":  envFile(`cluster: name: "dev"` + "\n" + tt.dev),
			})
			envs, err := load.Load(root, []string{"dev"})
			if err != nil {
				t.Fatalf("Load(root, [dev]) = %v", err)
			}
			a := envs[0].Apps["worker"]
			if a == nil {
				t.Fatalf("Load(root, [dev]) has no app worker, apps: %v", envs[0].Apps)
			}
			got := settings{a.Namespace, a.PartOf, a.TerminationGracePeriodSeconds, a.Spread, a.AntiAffinity, a.Labels}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Load(root, [dev]) app worker mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// problem is one CUE error of an environment: its path, message and
// positions relative to the root.
type problem struct {
	Path      []string
	Error     string
	Positions []position
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		dev  string // environments/dev/dev.cue, after the package clause
		want []problem
	}{
		{
			name: "unknown field",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: replica: 3` + "\n",
			want: []problem{{
				Path:      []string{"apps", "web", "replica"},
				Error:     `apps.web.replica: the schema has no field "replica" in apps.web; did you mean "replicas"?`,
				Positions: []position{{"environments/dev/dev.cue", 4, 12}},
			}},
		},
		{
			// Its name comes from one place (#EnvironmentBase), so that a
			// name of its own is reported once.
			name: "an app named other than its key",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: name: "other"` + "\n",
			want: []problem{{
				Path:      []string{"apps", "web", "name"},
				Error:     `apps.web.name: name is set to both "web" and "other": a field holds one value; to let one place override another, make the overridden value a default, e.g. name: *"other" | _`,
				Positions: []position{{"environments/dev/dev.cue", 4, 18}},
			}},
		},
		{
			// job is a definition of its own (#Job), still closed.
			name: "unknown field of job",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: job: backofLimit: 2` + "\n",
			want: []problem{{
				Path:      []string{"apps", "web", "job", "backofLimit"},
				Error:     `apps.web.job.backofLimit: the schema has no field "backofLimit" in apps.web.job; did you mean "backoffLimit"?`,
				Positions: []position{{"environments/dev/dev.cue", 4, 17}},
			}},
		},
		{
			name: "name conflicts with the folder",
			dev:  `cluster: name: "dev"` + "\n" + `name: "other"` + "\n",
			want: []problem{{
				Path:      []string{"name"},
				Error:     `name: an environment is named after its folder, "dev"; remove name: or rename the folder`,
				Positions: []position{{"environments/dev/dev.cue", 4, 7}},
			}},
		},
		{
			// A Latin-1 "é" (0xe9) in a string: CUE would read it as
			// U+FFFD and render that.
			name: "invalid UTF-8",
			dev:  `cluster: name: "dev"` + "\n" + "apps: web: labels: team: \"caf\xe9\"\n",
			want: []problem{{
				Error:     `invalid UTF-8 (byte 0xe9): CUE files must be UTF-8 text; save dev.cue as UTF-8, or write the character as a \u escape`,
				Positions: []position{{"environments/dev/dev.cue", 4, 30}},
			}},
		},
		{
			name: "syntax error",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: {` + "\n",
			want: []problem{{
				Error:     `this "{" is never closed: CUE reached the end of dev.cue still inside it; add the "}" where its block ends`,
				Positions: []position{{"environments/dev/dev.cue", 4, 12}},
			}},
		},
		{
			// The brace left open is the one whose block's "}" is missing,
			// not the outermost one, which a later "}" closes instead.
			name: "a brace left open inside another block",
			dev:  "cluster: name: \"dev\"\napps: web: {\n\tprobes: {\n\tlabels: team: \"shop\"\n}\n",
			want: []problem{{
				Error:     `this "{" is never closed: CUE reached the end of dev.cue still inside it; add the "}" where its block ends`,
				Positions: []position{{"environments/dev/dev.cue", 5, 10}},
			}},
		},
		{
			// The "{" of apps: web: is missing: the "}" that was to close
			// it closes nothing, and the line that should open it is named.
			name: "a block never opened",
			dev:  "cluster: name: \"dev\"\napps: web:\n\treplicas: 2\n}\n",
			want: []problem{{
				Error:     `this "}" closes no "{": the "{" that opens its block is missing; should line 4 ("apps: web:") end with "{"?`,
				Positions: []position{{"environments/dev/dev.cue", 6, 1}},
			}},
		},
		{
			name: "a string for an integer",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: replicas: "3"` + "\n",
			want: []problem{{
				Path:      []string{"apps", "web", "replicas"},
				Error:     `apps.web.replicas: replicas must be an integer, got the string "3"`,
				Positions: []position{{"environments/dev/dev.cue", 4, 22}},
			}},
		},
		{
			name: "an env value that is neither a string nor a reference",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: env: PORT: 8080` + "\n",
			want: []problem{{
				Path:      []string{"apps", "web", "env", "PORT"},
				Error:     `apps.web.env.PORT: PORT must be a string or {secret, key}, got the integer 8080`,
				Positions: []position{{"environments/dev/dev.cue", 4, 23}},
			}},
		},
		{
			name: "a size in GB",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: resources: requests: memory: "100GB"` + "\n",
			want: []problem{{
				Path:      []string{"apps", "web", "resources", "requests", "memory"},
				Error:     `apps.web.resources.requests.memory: memory "100GB" is not a Kubernetes quantity, such as 512Mi, 1.5Gi or 250m; did you mean "100Gi"?`,
				Positions: []position{{"environments/dev/dev.cue", 4, 41}},
			}},
		},
		{
			name: "a value set twice",
			dev:  `cluster: name: "dev"` + "\n" + `apps: web: ports: http: port: 9090` + "\n",
			want: []problem{{
				Path:      []string{"apps", "web", "ports", "http", "port"},
				Error:     `apps.web.ports.http.port: port is set to both 9090 and 8080: a field holds one value; to let one place override another, make the overridden value a default, e.g. port: *8080 | _`,
				Positions: []position{{"environments/dev/dev.cue", 4, 31}, {"environments/platform.cue", 14, 21}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := modeltest.Root(t, map[string]string{
				"environments/platform.cue": platform,
				"environments/dev/dev.cue":  envFile(tt.dev),
			})
			envs, err := load.Load(root, []string{"dev"})
			if len(envs) != 0 || err == nil {
				t.Fatalf("Load(root, [dev]) = %v, %v, want none and an error", names(envs), err)
			}
			var envErr *model.EnvError
			if !errors.As(err, &envErr) || envErr.Env != "dev" {
				t.Fatalf("Load(root, [dev]) = %v (%T), want a *model.EnvError for dev", err, err)
			}
			var got []problem
			for _, e := range cueerrors.Errors(envErr.Err) {
				got = append(got, problem{e.Path(), e.Error(), positionsOf(t, root, cueerrors.Positions(e))})
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Load(root, [dev]) errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadMissingRequiredField: CUE places "field is required" in schema/;
// the loader points it at the app in the user's file first.
func TestLoadMissingRequiredField(t *testing.T) {
	root := modeltest.Root(t, map[string]string{
		"environments/platform.cue": platform,
		"environments/dev/dev.cue": envFile(`cluster: name: "dev"
apps: api: {namespace: "shop"}
`),
	})
	_, err := load.Load(root, []string{"dev"})
	var envErr *model.EnvError
	if !errors.As(err, &envErr) {
		t.Fatalf("Load(root, [dev]) = %v, want a *model.EnvError", err)
	}
	errs := cueerrors.Errors(envErr.Err)
	if len(errs) != 1 {
		t.Fatalf("Load(root, [dev]) = %v, want one error", err)
	}
	e := errs[0]
	if got, want := e.Error(), "apps.api.image: field is required but not present"; got != want {
		t.Errorf("Load(root, [dev]) error = %q, want %q", got, want)
	}
	pos := positionsOf(t, root, cueerrors.Positions(e))
	if len(pos) != 2 {
		t.Fatalf("Load(root, [dev]) positions = %v, want the app's and the schema's", pos)
	}
	if want := (position{"environments/dev/dev.cue", 4, 12}); pos[0] != want {
		t.Errorf("Load(root, [dev]) first position = %v, want %v (the app api)", pos[0], want)
	}
	if pos[1].File != "schema/app.cue" {
		t.Errorf("Load(root, [dev]) second position = %v, want one in schema/app.cue", pos[1])
	}
}

func TestLoadPartialFailure(t *testing.T) {
	root := modeltest.Root(t, map[string]string{
		"environments/platform.cue":        platform,
		"environments/dev/dev.cue":         envFile(`cluster: name: "dev"` + "\n" + `apps: web: replica: 3` + "\n"),
		"environments/prod/prod.cue":       envFile(`cluster: name: "prod"` + "\n"),
		"environments/staging/staging.cue": envFile(`cluster: name: "staging"` + "\n" + `apps: web: {` + "\n"),
	})
	envs, err := load.Load(root, []string{"staging", "prod", "dev", "nope"})
	if diff := cmp.Diff([]string{"prod"}, names(envs)); diff != "" {
		t.Errorf("Load(root, ...) environments mismatch (-want +got):\n%s", diff)
	}
	if err == nil {
		t.Fatal("Load(root, ...) error = nil, want one per failing environment")
	}
	got := map[string]string{}
	for name, e := range envErrors(t, err) {
		got[name] = e.Error()
	}
	want := map[string]string{
		"dev":     `dev: apps.web.replica: the schema has no field "replica" in apps.web; did you mean "replicas"?`,
		"nope":    `nope: cannot find package "./environments/nope"`,
		"staging": `staging: this "{" is never closed: CUE reached the end of staging.cue still inside it; add the "}" where its block ends`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load(root, ...) errors mismatch (-want +got):\n%s", diff)
	}
	// errors.Join keeps the order of the sorted names.
	if got, want := err.Error(), want["dev"]+"\n"+want["nope"]+"\n"+want["staging"]; got != want {
		t.Errorf("Load(root, ...) = %q, want %q", got, want)
	}
}

func TestEnvironmentPos(t *testing.T) {
	root := modeltest.Root(t, map[string]string{
		"environments/platform.cue": platform,
		"environments/prod/prod.cue": envFile(`cluster: name: "prod"
namespaces: shop: labels: tier: "prod"
`),
	})
	envs, err := load.Load(root, []string{"prod"})
	if err != nil {
		t.Fatalf("Load(root, [prod]) = %v", err)
	}
	env := envs[0]
	tests := []struct {
		name string
		path string
		want position
	}{
		{"field in the environment's file", "namespaces.shop.labels.tier", position{"environments/prod/prod.cue", 4, 33}},
		{"field in the shared file", "apps.web.ports.http.port", position{"environments/platform.cue", 14, 21}},
		{"app", "apps.web", position{"environments/platform.cue", 11, 12}},
		{"schema default: its parent in the user's files", "apps.web.terminationGracePeriodSeconds", position{"environments/platform.cue", 11, 12}},
		{"missing field: its parent in the user's files", "apps.web.autoscaling.minReplicas", position{"environments/platform.cue", 11, 12}},
		{"node group default", "cluster.nodeGroups.general.volumeSize", position{"environments/platform.cue", 8, 23}},
		{"cluster name", "cluster.name", position{"environments/prod/prod.cue", 3, 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := positionsOf(t, root, []token.Pos{env.Pos(tt.path)})
			if diff := cmp.Diff([]position{tt.want}, got); diff != "" {
				t.Errorf("Pos(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestEnvironmentValues(t *testing.T) {
	root := modeltest.Root(t, map[string]string{
		"environments/platform.cue": platform,
		"environments/dev/dev.cue":  envFile(`cluster: name: "dev"` + "\n"),
	})
	envs, err := load.Load(root, []string{"dev"})
	if err != nil {
		t.Fatalf("Load(root, [dev]) = %v", err)
	}
	env := envs[0]
	if !env.Source.Exists() || !env.Value.Exists() {
		t.Fatalf("Load(root, [dev]): Source.Exists() = %v, Value.Exists() = %v, want both true", env.Source.Exists(), env.Value.Exists())
	}
	// Source is the user's CUE alone: no schema defaults, no name.
	replicas := cue.ParsePath("apps.web.replicas")
	if v := env.Source.LookupPath(replicas); v.Exists() {
		t.Errorf("Source.LookupPath(apps.web.replicas) = %v, want no such field", v)
	}
	if v := env.Source.LookupPath(cue.ParsePath("name")); v.Exists() {
		t.Errorf("Source.LookupPath(name) = %v, want no such field", v)
	}
	// Value is unified with the schema's #EnvironmentBase: its defaults
	// are there, and the apps as the user's files give them (each app is
	// evaluated on its own, into the model).
	retention := cue.ParsePath("cluster.logging.retentionInDays")
	if n, err := env.Value.LookupPath(retention).Int64(); err != nil || n != 30 {
		t.Errorf("Value.LookupPath(%v).Int64() = %d, %v, want 30", retention, n, err)
	}
	if n, err := env.Value.LookupPath(cue.ParsePath("apps.web.ports.http.port")).Int64(); err != nil || n != 8080 {
		t.Errorf("Value.LookupPath(apps.web.ports.http.port).Int64() = %d, %v, want 8080", n, err)
	}
	if env.Apps["web"] == nil || env.Apps["web"].Replicas != 1 {
		t.Errorf("Apps[web] = %+v, want the schema's default of 1 replica", env.Apps["web"])
	}
	if s, err := env.Value.LookupPath(cue.ParsePath("name")).String(); err != nil || s != "dev" {
		t.Errorf("Value.LookupPath(name).String() = %q, %v, want dev", s, err)
	}
}
