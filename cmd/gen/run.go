package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
)

// Exit codes, as diff(1): 0 ok or up to date, 1 the check found something,
// 2 trouble (bad input, usage, I/O).
const (
	exitOK      = 0
	exitChanges = 1
	exitError   = 2
)

// Flag names, defined once.
const (
	flagRoot           = "root"
	flagAll            = "all"
	flagExitCode       = "exit-code"
	flagOffline        = "offline"
	flagMirror         = "mirror"
	flagRefresh        = "refresh"
	flagRefreshMissing = "refresh-missing"
	flagOutput         = "output"
	flagTimeout        = "registry-timeout"
	flagAllow          = "allow-violations"
	flagReport         = "report"
	flagNoCache        = "no-cache"
	flagColor          = "color"
	flagNoWait         = "no-wait"
	flagVerbose        = "verbose"
)

// command is one subcommand: its flags and what it does.
type command struct {
	name string
	args string // usage of the positional arguments
	// summary is one sentence, ending with a period, shown by gen help.
	summary string
	// long says more, under the summary in the command's -h.
	long string
	// examples are command lines, at least one, shown by -h.
	examples []string
	// hidden keeps the command out of gen help and completion.
	hidden bool
	// flags registers the command's flags on fs and returns the run
	// function bound to them.
	flags func(fs *pflag.FlagSet) func(ctx context.Context, e *invocation) int
}

// invocation carries what every command needs.
type invocation struct {
	// cmd is the command's name, e.g. "render".
	cmd            string
	args           []string
	stdout, stderr io.Writer
	root           string
	cwd            string
	// remote are options for the registry client, after the defaults; the
	// CLI's tests use them to reach a local registry.
	remote []images.Option
	// verbose prints CUE's own text under the errors gen retells.
	verbose bool
	// rootGiven: --root was given; otherwise gen found the root itself,
	// and the commands it suggests need not repeat it.
	rootGiven bool
	// today is the date support windows and waivers are judged by; zero
	// (the default) is the current date. The CLI's tests pin it.
	today time.Time
}

// suggestedRoot is the root as a command gen suggests repeats it: as
// given with --root, or "." when gen found it (run from inside the
// repository, the suggestion finds it again).
func (e *invocation) suggestedRoot() string {
	if e.rootGiven {
		return e.root
	}
	return "."
}

// options returns the generator options every command starts from.
func (e *invocation) options() generator.Options {
	return generator.Options{Root: e.root, Today: e.today}
}

// optionsWith returns options for the environments envs (nil: all of
// them) with image pinning as pin says.
func (e *invocation) optionsWith(envs []string, pin images.PinOptions) generator.Options {
	opts := e.options()
	opts.Envs, opts.Images = envs, pin
	return opts
}

// runOption adjusts a run; production passes none.
type runOption func(*invocation)

// withRemoteOptions adds options to the registry client.
func withRemoteOptions(opts ...images.Option) runOption {
	return func(e *invocation) { e.remote = append(e.remote, opts...) }
}

// withToday makes the run judge dates as of today.
func withToday(today time.Time) runOption {
	return func(e *invocation) { e.today = today }
}

// cache returns the cache of earlier renders, nil when off.
func (e *invocation) cache(off bool) *generator.Cache {
	if off {
		return nil
	}
	return generator.OpenCache()
}

// resolver returns the registry client, or nil when offline.
func (e *invocation) resolver(offline bool) images.Resolver {
	if offline {
		return nil
	}
	// The AWS SDK and the ECR credential helper log only with --verbose:
	// their failures come back as errors, and their warnings are noise.
	var log io.Writer
	if e.verbose {
		log = e.stderr
	}
	return images.NewRemote(append([]images.Option{images.WithLog(log)}, e.remote...)...)
}

// progress returns a progress reporter for resolving images when stderr
// is a terminal, else nil: scripts and CI logs stay quiet.
func (e *invocation) progress() func(done, total int) {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var mu sync.Mutex
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(f, "\rresolving images: %d/%d", done, total)
		if done == total {
			fmt.Fprint(f, "\r\033[K")
		}
	}
}

func commands() []command {
	return []command{renderCommand(), checkCommand(), diffCommand(), imagesCommand(), planCommand(), graphCommand(), policiesCommand(),
		envsCommand(), newCommand(), completionCommand(), versionCommand(), hiddenCompleteCommand()}
}

func run(args []string, stdout, stderr io.Writer, opts ...runOption) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		w := stderr
		code := exitError
		if len(args) > 0 {
			w, code = stdout, exitOK
		}
		if len(args) > 1 {
			cmd, ok := lookup(args[1])
			if !ok {
				fmt.Fprintf(stderr, "gen: unknown command %q\n", args[1])
				usage(stderr)
				return exitError
			}
			fs, _ := newFlagSet(cmd, stdout)
			fs.Usage()
			return exitOK
		}
		usage(w)
		return code
	}
	cmd, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "gen: unknown command %q\n", args[0])
		usage(stderr)
		return exitError
	}
	// Help asked for with -h goes to stdout, as with "gen help <command>".
	// With ContinueOnError, pflag prints nothing on a parse error: say it here.
	fs, runCmd := newFlagSet(cmd, stdout)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "gen %s: %v\nRun \"gen %s -h\" for its flags.\n", cmd.name, err, cmd.name)
		return exitError
	}
	root, _ := fs.GetString(flagRoot)
	verbose, _ := fs.GetBool(flagVerbose)
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(stderr, "gen: %v\n", err)
		return exitError
	}
	rootGiven := fs.Changed(flagRoot)
	if !rootGiven {
		root = findRoot(cwd)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	inv := &invocation{cmd: cmd.name, args: fs.Args(), stdout: stdout, stderr: stderr, root: root, cwd: cwd, verbose: verbose, rootGiven: rootGiven}
	for _, o := range opts {
		o(inv)
	}
	return runCmd(ctx, inv)
}

// findRoot returns the repository root as seen from dir, like git finds
// its work tree: the nearest of dir and its parents that holds both
// schema/ and environments/, as a relative path ("." or "../.."); "."
// when none does, so that the error names the folder gen looked in.
func findRoot(dir string) string {
	rel := "."
	for d := dir; ; d = filepath.Dir(d) {
		if isDir(filepath.Join(d, "schema")) && isDir(filepath.Join(d, "environments")) {
			return rel
		}
		if filepath.Dir(d) == d {
			return "."
		}
		if rel == "." {
			rel = ".."
		} else {
			rel = filepath.Join(rel, "..")
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// newFlagSet returns cmd's flags, with the --root every command shares, and
// the run function bound to them. Usage (-h) is written to w.
func newFlagSet(cmd command, w io.Writer) (*pflag.FlagSet, func(context.Context, *invocation) int) {
	fs := pflag.NewFlagSet("gen "+cmd.name, pflag.ContinueOnError)
	fs.SetOutput(w)
	fs.SortFlags = false
	runCmd := cmd.flags(fs)
	fs.String(flagRoot, ".", "the repository `dir` holding schema/, environments/ and rendered/ (default: the nearest of the current folder and its parents that holds schema/ and environments/)")
	fs.Bool(flagVerbose, false, "print CUE's own error text under each error gen retells in plain words, and the AWS SDK's log when asking registries")
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: %s\n\n%s\n", strings.TrimSpace("gen "+cmd.name+" [flags] "+cmd.args), cmd.summary)
		if cmd.long != "" {
			fmt.Fprintf(w, "%s\n", cmd.long)
		}
		fmt.Fprintf(w, "\nexamples:\n")
		for _, ex := range cmd.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
	}
	return fs, runCmd
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "gen renders CUE environments into plain Kubernetes YAML under rendered/.\n\nusage: gen <command> [flags] [args]\n\ncommands:\n")
	for _, c := range visible() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"gen <command> -h\" for a command's flags and examples.\nExit codes: 0 ok, 1 out of date or differences found, 2 bad input or usage.\n")
}

// envs returns the environments named in args (full names, platforms, or
// an environment folder's own name that only one platform has; see
// generator.Resolve), checked against those that exist under root; none
// means all of them when all is true.
func (e *invocation) envs(all bool) ([]string, bool) {
	known, err := generator.Environments(e.root)
	if err != nil {
		// A folder that cannot be read may mean a wrong root; a symbolic
		// link among the environments says what to do itself.
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			fmt.Fprintf(e.stderr, "gen: %v\n(is %q the repository root? Set it with --root.)\n", err, e.root)
		} else {
			fmt.Fprintf(e.stderr, "gen: %v\n", err)
		}
		return nil, false
	}
	if len(known) == 0 {
		fmt.Fprintf(e.stderr, "gen: no environments in %s: each environment is a folder of CUE files there\n",
			filepath.Join(e.root, "environments"))
		return nil, false
	}
	if len(e.args) == 0 && all {
		return known, true
	}
	envs, err := generator.Resolve(known, e.args...)
	if err != nil {
		fmt.Fprintf(e.stderr, "gen: %v\n", err)
		return nil, false
	}
	return envs, true
}

// env returns the one environment arg names (see generator.Resolve), for
// the commands that compare two; a platform of several is refused.
func (e *invocation) env(cmd, arg string) (string, bool) {
	args := e.args
	e.args = []string{arg}
	envs, ok := e.envs(false)
	e.args = args
	if !ok {
		return "", false
	}
	if len(envs) > 1 {
		fmt.Fprintf(e.stderr, "gen %s: %s is a platform of %d environments (%s): name one of them\n", cmd, arg, len(envs), strings.Join(envs, ", "))
		return "", false
	}
	return envs[0], true
}

// envsOf returns the environments arg names, for the commands that take
// one environment or a platform (see generator.Resolve); perEnv is true
// when arg names a platform, whose environments the output then gives
// one by one, each under a header naming it (see section), even when the
// platform has one environment: what a script reads depends on what it
// named, not on how many environments the platform has today.
func (e *invocation) envsOf(arg string) (envs []string, perEnv, ok bool) {
	args := e.args
	e.args = []string{arg}
	envs, ok = e.envs(false)
	e.args = args
	if !ok {
		return nil, false, false
	}
	return envs, !slices.Contains(envs, arg) && path.Dir(envs[0]) == arg, true
}

// section writes the header of env's part of a text output that gives
// several environments one after the other, as head(1) and tail(1) do
// for several files, with a blank line before every header but the
// first.
func (e *invocation) section(i int, env string) {
	if i > 0 {
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "==> %s <==\n", env)
}

// policyReport prints the policy report on stderr when it has anything
// to say (violations, expired or unused waivers), and reports whether a
// policy failed.
func (e *invocation) policyReport(reports []generator.PolicyReport) bool {
	failed, notable := false, false
	for _, r := range reports {
		failed = failed || r.Failed()
		notable = notable || len(r.Violations) > 0 || len(r.Expired) > 0 || len(r.Unused) > 0
	}
	if notable {
		generator.WritePolicyText(e.stderr, reports)
	}
	return failed
}

// unlocked reports the environments that cmd left out because their lock
// files lack tags: each place such a tag is used, with its position, then
// one line that names them and the one command that locks every missing
// tag of every one of them. It returns exit code 2: the input is not
// ready, though the other environments' output was given.
func (e *invocation) unlocked(verb string, m *images.MissingError) int {
	if e.verbose {
		generator.PrintErrorVerbose(e.stderr, m, e.cwd)
	} else {
		generator.PrintError(e.stderr, m, e.cwd)
	}
	fmt.Fprintf(e.stderr, "gen %s: %s not %s: %s missing from their lock files; run: %s\n",
		e.cmd, strings.Join(m.Envs(), ", "), verb, plural(len(m.Misses), "image tag"), e.refreshMissing(m))
	return exitError
}

// refreshMissing is the command that asks the registries for exactly the
// tags m lists and adds them to the lock files.
func (e *invocation) refreshMissing(m *images.MissingError) string {
	envs := m.Envs()
	for i, env := range envs {
		envs[i] = shellQuote(env)
	}
	return "gen images " + rootFlag(e.suggestedRoot()) + "--" + flagRefreshMissing + " " + strings.Join(envs, " ")
}

// warn prints warnings on stderr, one per line.
func (e *invocation) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
}

// fail prints err once, for a person, and returns exit code 2. When tags
// are missing from lock files, the command that locks them follows.
func (e *invocation) fail(err error) int {
	defer func() {
		if m := (*images.MissingError)(nil); errors.As(err, &m) {
			fmt.Fprintf(e.stderr, "gen %s: %s missing from the lock files of %s; run: %s\n", e.cmd,
				plural(len(m.Misses), "image tag"), strings.Join(m.Envs(), ", "), e.refreshMissing(m))
		}
	}()
	switch {
	case generator.IsInputError(err) && e.verbose:
		generator.PrintErrorVerbose(e.stderr, err, e.cwd)
	case generator.IsInputError(err):
		generator.PrintError(e.stderr, err, e.cwd)
	default:
		fmt.Fprintf(e.stderr, "gen: %v\n", err)
	}
	return exitError
}
