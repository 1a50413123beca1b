package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/model"
)

// Flag names of gen new.
const (
	flagEnv       = "env"
	flagNamespace = "namespace"
	flagImage     = "image"
	flagFrom      = "from"
)

// environmentsDir is the folder of the environments under the root.
const environmentsDir = "environments"

func newCommand() command {
	return command{
		name:    "new",
		args:    "app NAME [--env ENV] [--namespace NS] [--image REPO:TAG] | env NAME --from ENV",
		summary: "Create the CUE of a new app, or a new environment copied from another.",
		long: "gen new app writes environments/NAME.cue (every environment gets the app), or with --env\n" +
			"environments/ENV/NAME.cue (that environment only; ENV may be a platform, all its\n" +
			"environments, which a repository of platforms requires): an app with probes, requests and limits,\n" +
			"three replicas, a PodDisruptionBudget and zone spread, in namespace NAME (or NS, declared\n" +
			"if no environment declares it), so that it passes prod's policies as written.\n" +
			"gen new env copies the CUE files and the lock file of ENV into environments/NAME/, with\n" +
			"the cluster named after NAME, so that gen render NAME --offline works at once.\n" +
			"An existing or malformed name, or an unknown environment, is refused (exit 2); nothing is\n" +
			"written unless the result loads. Both print what to edit and what to run next.",
		examples: []string{
			"gen new app payments --namespace shop",
			"gen new app canary-probe --env dev --image 235494787667.dkr.ecr.ap-south-1.amazonaws.com/probe:0.1.0",
			"gen new app web --env chatbot",
			"gen new env chatbot/qa --from chatbot/staging",
		},
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			env := fs.String(flagEnv, "", "add the app to environment `ENV` only (default: every environment)")
			ns := fs.String(flagNamespace, "", "the app's `namespace` (default: the app's name)")
			image := fs.String(flagImage, "", "the app's image, `repository:tag` (default: NAME:0.1.0 in the cluster's ECR registry)")
			from := fs.String(flagFrom, "", "the environment `ENV` a new environment is copied from (required for gen new env)")
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) != 2 || (e.args[0] != "app" && e.args[0] != "env") {
					fmt.Fprintf(e.stderr, "gen new: say what to create: gen new app NAME, or gen new env NAME --%s ENV\n", flagFrom)
					return exitError
				}
				kind, name := e.args[0], e.args[1]
				if kind == "app" {
					if fs.Changed(flagFrom) {
						fmt.Fprintf(e.stderr, "gen new app: --%s is for gen new env; an app takes --%s, --%s and --%s\n", flagFrom, flagEnv, flagNamespace, flagImage)
						return exitError
					}
					return newApp(e, name, *env, *ns, *image)
				}
				for _, f := range []string{flagEnv, flagNamespace, flagImage} {
					if fs.Changed(f) {
						fmt.Fprintf(e.stderr, "gen new env: --%s is for gen new app; an environment takes --%s\n", f, flagFrom)
						return exitError
					}
				}
				return newEnv(e, name, *from)
			}
		},
	}
}

// dnsLabel is what app, namespace and environment names must be: an RFC
// 1123 label, as Kubernetes names namespaces and gen names files; compiled
// on first use, not on every start.
var dnsLabel = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
})

// checkLabel says why name is not a DNS label, or nothing when it is.
func checkLabel(e *invocation, kind, what, name string) bool {
	if dnsLabel().MatchString(name) {
		return true
	}
	fmt.Fprintf(e.stderr, "gen new %s: %q is not a valid %s name: it must be a DNS label (at most 63 lowercase letters, digits and \"-\", starting and ending with a letter or digit)", kind, name, what)
	if s := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-"); dnsLabel().MatchString(s) {
		fmt.Fprintf(e.stderr, "; e.g. %q", s)
	}
	fmt.Fprintln(e.stderr)
	return false
}

// platformsOf returns the platforms of the environment names envs: the
// folders of those named platform/env, sorted, without repeats.
func platformsOf(envs []string) []string {
	var out []string
	for _, env := range envs {
		if p, _, ok := strings.Cut(env, "/"); ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// knownEnvs returns the environments, or says why it cannot.
func (e *invocation) knownEnvs() ([]string, bool) {
	args := e.args
	e.args = nil
	defer func() { e.args = args }()
	return e.envs(true)
}

// load loads and checks envs (nil: all), printing the errors, if any.
func (e *invocation) load(envs []string) ([]*model.Environment, bool) {
	opts := e.options()
	opts.Envs = envs
	models, err := generator.Load(opts)
	if err != nil {
		e.fail(err)
		return nil, false
	}
	return models, true
}

func newApp(e *invocation, name, env, ns, image string) int {
	if ns == "" {
		ns = name
	}
	if !checkLabel(e, "app", "app", name) || !checkLabel(e, "app", "namespace", ns) {
		return exitError
	}
	known, ok := e.knownEnvs()
	if !ok {
		return exitError
	}
	targets := known
	rel := path.Join(environmentsDir, name+".cue")
	where := "every environment"
	switch platforms := platformsOf(known); {
	case env != "":
		// ENV is an environment or a platform, as commands resolve it.
		args := e.args
		e.args = []string{env}
		resolved, ok := e.envs(false)
		e.args = args
		if !ok {
			return exitError
		}
		targets = resolved
		folder := resolved[0]
		if len(resolved) > 1 {
			folder = path.Dir(resolved[0]) // a platform: its shared folder
		}
		rel = path.Join(environmentsDir, folder, name+".cue")
		where = folder + " only"
		if len(resolved) > 1 {
			where = "every environment of platform " + folder
		}
		env = folder
	case len(platforms) > 0:
		fmt.Fprintf(e.stderr, "gen new app: this repository holds platforms (%s): say which gets the app with --%s PLATFORM (all its environments) or --%s PLATFORM/ENV\n",
			strings.Join(platforms, ", "), flagEnv, flagEnv)
		return exitError
	}
	repo, tag := "\\(cluster.accountID).dkr.ecr.\\(cluster.region).amazonaws.com/"+name, "0.1.0"
	if image != "" {
		i := strings.LastIndex(image, ":")
		if i < 0 || strings.Contains(image[i:], "/") {
			fmt.Fprintf(e.stderr, "gen new app: --%s %q has no tag: give repository:tag, e.g. %s:1.0.0\n", flagImage, image, image)
			return exitError
		}
		repo, tag = image[:i], image[i+1:]
		if _, err := images.ParseTag(repo, tag); err != nil {
			fmt.Fprintf(e.stderr, "gen new app: --%s %q: %v\n", flagImage, image, err)
			return exitError
		}
	}
	file := filepath.Join(e.root, filepath.FromSlash(rel))
	if _, err := os.Lstat(file); err == nil {
		fmt.Fprintf(e.stderr, "gen new app: %s already exists; nothing written\n", rel)
		return exitError
	}
	// The app's name must be free in every environment, not only those
	// it is added to: an app of the same name elsewhere would be another.
	models, ok := e.load(nil)
	if !ok {
		fmt.Fprintf(e.stderr, "gen new app: fix these first; nothing written\n")
		return exitError
	}
	var holders []string
	declared := true
	for _, m := range models {
		if _, ok := m.Apps[name]; ok {
			holders = append(holders, m.Name)
		}
		if _, ok := m.Namespaces[ns]; !ok && slices.Contains(targets, m.Name) {
			declared = false
		}
	}
	if len(holders) > 0 {
		fmt.Fprintf(e.stderr, "gen new app: app %q already exists (in %s); nothing written\n", name, strings.Join(holders, ", "))
		return exitError
	}
	if err := os.WriteFile(file, []byte(appCUE(name, ns, repo, tag, !declared)), 0o644); err != nil {
		return e.fail(fmt.Errorf("writing %s: %w", rel, err))
	}
	// What was written must load in every environment it reaches.
	if _, ok := e.load(targets); !ok {
		os.Remove(file)
		fmt.Fprintf(e.stderr, "gen new app: the new app does not load; nothing written\n")
		return exitError
	}
	render := "gen render " + rootFlag(e.suggestedRoot()) + "--all"
	refresh := "gen images " + rootFlag(e.suggestedRoot()) + "--" + flagRefreshMissing
	if env != "" {
		render = "gen render " + rootFlag(e.suggestedRoot()) + shellQuote(env)
		refresh += " " + shellQuote(env)
	}
	fmt.Fprintf(e.stdout, "%s: created app %s in namespace %s, in %s\n", rel, name, ns, where)
	fmt.Fprintf(e.stdout, "next:\n")
	fmt.Fprintf(e.stdout, "  1. edit %s: the image, ports, probes' paths, resources and replicas\n", rel)
	if len(targets) > 1 {
		fmt.Fprintf(e.stdout, "     (state what differs per environment in %s/<env>/)\n", path.Dir(rel))
	}
	fmt.Fprintf(e.stdout, "  2. lock the image's digest (asks the registry): %s\n", refresh)
	fmt.Fprintf(e.stdout, "  3. render and review: %s\n", render)
	return exitOK
}

// appCUE is the CUE of a new app: the least that passes every policy,
// prod's included (probes, requests and limits, three replicas, a
// PodDisruptionBudget, zone spread).
func appCUE(name, ns, repo, tag string, declareNamespace bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package environments\n\n")
	if declareNamespace {
		fmt.Fprintf(&b, "namespaces: %s: {}\n\n", cueLabel(ns))
	}
	fmt.Fprintf(&b, "// %s: written by gen new app. Set its image, ports, probes and resources;\n", name)
	fmt.Fprintf(&b, "// schema/app.cue documents every field.\n")
	fmt.Fprintf(&b, "apps: %s: {\n", cueLabel(name))
	fmt.Fprintf(&b, "\tnamespace: %q\n", ns)
	fmt.Fprintf(&b, "\timage: {repository: \"%s\", tag: %q}\n", repo, tag)
	fmt.Fprintf(&b, "\tports: http: port: 8080\n")
	fmt.Fprintf(&b, "\tresources: {\n")
	fmt.Fprintf(&b, "\t\trequests: {cpu: \"100m\", memory: \"128Mi\"}\n")
	fmt.Fprintf(&b, "\t\tlimits: {cpu: \"500m\", memory: \"256Mi\"}\n")
	fmt.Fprintf(&b, "\t}\n")
	fmt.Fprintf(&b, "\tprobes: {\n")
	fmt.Fprintf(&b, "\t\tliveness: {port: \"http\", path: \"/healthz\"}\n")
	fmt.Fprintf(&b, "\t\treadiness: {port: \"http\", path: \"/healthz\"}\n")
	fmt.Fprintf(&b, "\t}\n")
	fmt.Fprintf(&b, "\t// prod's policies want at least three pods, spread over zones, and a\n")
	fmt.Fprintf(&b, "\t// disruption budget that still lets a drain evict one.\n")
	fmt.Fprintf(&b, "\treplicas: 3\n")
	fmt.Fprintf(&b, "\tdisruption: maxUnavailable: 1\n")
	fmt.Fprintf(&b, "\tspread: zones: \"preferred\"\n")
	fmt.Fprintf(&b, "\tservices: %s: {}\n", cueLabel(name))
	fmt.Fprintf(&b, "}\n")
	return b.String()
}

// cueLabel writes a DNS label as a CUE field label: quoted when it is not
// an identifier (it has a "-" or starts with a digit).
func cueLabel(s string) string {
	if regexp.MustCompile(`^[a-z][a-z0-9]*$`).MatchString(s) {
		return s
	}
	return fmt.Sprintf("%q", s)
}

func newEnv(e *invocation, name, from string) int {
	if from == "" {
		fmt.Fprintf(e.stderr, "gen new env: say which environment to copy: gen new env %s --%s ENV\n", shellQuote(name), flagFrom)
		return exitError
	}
	// An environment's name is its folder's path under environments/:
	// DNS labels, separated by "/" where environments are grouped.
	for _, seg := range strings.Split(name, "/") {
		if !checkLabel(e, "env", "environment", seg) {
			return exitError
		}
	}
	known, ok := e.knownEnvs()
	if !ok {
		return exitError
	}
	if !slices.Contains(known, from) {
		fmt.Fprintf(e.stderr, "gen new env: unknown environment %q to copy from (environments: %s)\n", from, strings.Join(known, ", "))
		return exitError
	}
	rel := path.Join(environmentsDir, name)
	for _, k := range known {
		switch {
		case k == name:
			fmt.Fprintf(e.stderr, "gen new env: environment %s already exists; nothing written\n", k)
			return exitError
		case strings.HasPrefix(name, k+"/"), strings.HasPrefix(k, name+"/"):
			fmt.Fprintf(e.stderr, "gen new env: %s would nest with environment %s (one folder's CUE would apply to the other); choose another name; nothing written\n", name, k)
			return exitError
		}
	}
	dst := filepath.Join(e.root, filepath.FromSlash(rel))
	if _, err := os.Lstat(dst); err == nil {
		fmt.Fprintf(e.stderr, "gen new env: %s already exists; nothing written\n", rel)
		return exitError
	}
	models, ok := e.load([]string{from})
	if !ok {
		fmt.Fprintf(e.stderr, "gen new env: %s does not load; nothing written\n", from)
		return exitError
	}
	// The cluster is named after the environment ("chatbot-prod"): the
	// copy's is named after the new one, so that two clusters (and their
	// IAM roles, named after them) do not share a name.
	fromBase, nameBase := path.Base(from), path.Base(name)
	oldCluster := models[0].Cluster.Name
	newCluster := ""
	if i := strings.LastIndex(oldCluster, fromBase); i >= 0 && oldCluster != "" {
		newCluster = oldCluster[:i] + nameBase + oldCluster[i+len(fromBase):]
	}
	created, err := mkdirAllTracked(dst)
	if err != nil {
		return e.fail(err)
	}
	undo := func() {
		if created != "" {
			os.RemoveAll(created)
		}
	}
	files, renamed, err := copyEnvFiles(filepath.Join(e.root, filepath.FromSlash(path.Join(environmentsDir, from))), dst, fromBase, nameBase, oldCluster, newCluster)
	if err != nil {
		undo()
		return e.fail(err)
	}
	if _, ok := e.load([]string{name}); !ok {
		undo()
		fmt.Fprintf(e.stderr, "gen new env: the copy of %s does not load as %s; nothing written\n", from, name)
		return exitError
	}
	fmt.Fprintf(e.stdout, "%s: created from %s (%s)\n", rel, from, strings.Join(files, ", "))
	if renamed {
		fmt.Fprintf(e.stdout, "cluster: name: %q (was %q)\n", newCluster, oldCluster)
	}
	fmt.Fprintf(e.stdout, "next:\n")
	step := 1
	if !renamed {
		fmt.Fprintf(e.stdout, "  %d. give the cluster its own name: cluster: name: in %s/\n", step, rel)
		step++
	}
	fmt.Fprintf(e.stdout, "  %d. edit %s/: what differs from %s (node group sizes, replicas, hosts, certificates)\n", step, rel, from)
	fmt.Fprintf(e.stdout, "  %d. render it: gen render %s%s --offline\n", step+1, rootFlag(e.suggestedRoot()), shellQuote(name))
	fmt.Fprintf(e.stdout, "  %d. compare it with %s: gen diff %s%s %s\n", step+2, from, rootFlag(e.suggestedRoot()), shellQuote(from), shellQuote(name))
	return exitOK
}

// mkdirAllTracked makes dir and its missing parents, and returns the
// topmost folder it made, for undoing.
func mkdirAllTracked(dir string) (string, error) {
	top := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		top = d
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return top, fmt.Errorf("creating %s: %w", dir, err)
	}
	return top, nil
}

// copyEnvFiles copies the regular files of the environment folder src
// (not its subfolders, which are other environments) into dst: a file
// named after the old environment (prod.cue) takes the new one's name
// (qa.cue), and in the .cue files the cluster's name, quoted, becomes
// newCluster when it appears once. It returns the files written, sorted,
// and whether the cluster was renamed.
func copyEnvFiles(src, dst, fromBase, nameBase, oldCluster, newCluster string) ([]string, bool, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, false, err
	}
	var written []string
	renamed := false
	for _, ent := range entries {
		if ent.Type()&fs.ModeSymlink != 0 {
			return nil, false, fmt.Errorf("%s is a symbolic link: gen follows none", filepath.Join(src, ent.Name()))
		}
		if !ent.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, ent.Name()))
		if err != nil {
			return nil, false, err
		}
		out := ent.Name()
		if out == fromBase+".cue" {
			out = nameBase + ".cue"
		}
		if strings.HasSuffix(out, ".cue") && newCluster != "" {
			quoted := fmt.Sprintf("%q", oldCluster)
			if strings.Count(string(data), quoted) == 1 {
				data = []byte(strings.Replace(string(data), quoted, fmt.Sprintf("%q", newCluster), 1))
				renamed = true
			}
		}
		if err := os.WriteFile(filepath.Join(dst, out), data, 0o644); err != nil {
			return nil, false, fmt.Errorf("writing %s: %w", out, err)
		}
		written = append(written, out)
	}
	if len(written) == 0 {
		return nil, false, errors.New("the environment's folder has no file to copy")
	}
	slices.Sort(written)
	return written, renamed, nil
}
