// Command benchplatform measures the gen binary from the outside, as a
// pre-commit hook or CI runs it.
//
// First on this repository's own environments (copied to a temporary
// folder), the median wall time over -runs runs of:
//
//	check        gen check, nothing changed, the cache warm (the hook's case)
//	check-cold   gen check --no-cache, nothing changed (a fresh CI clone)
//	check1       gen check after one app's replicas changed in prod
//	render       gen render --all into an empty rendered/
//
// Then, for each -sizes, a synthetic platform of that many apps × 3
// environments (generated CUE using this repository's schema/), each step
// run once, with CPU seconds and peak memory (max RSS):
//
//	render       gen render --all into an empty rendered/
//	check        gen check, nothing changed, the cache warm
//	check-cold   gen check --no-cache
//	check1       gen check after one app of prod changed
//	render1      gen render --all after that change
//
// Every run is offline (the lock files hold every tag) and uses a cache
// folder of its own.
//
//	go build -o bin/gen ./cmd/gen
//	go run ./generator/internal/benchplatform [-gen bin/gen] [-runs 15] [-sizes 25,250,1000]
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gitops-gen/gen/generator/internal/synth"
)

func main() {
	sizes := flag.String("sizes", "25,250,1000", "comma-separated app counts of the synthetic platforms (\"\" for none)")
	runs := flag.Int("runs", 15, "runs per step on the default environments; the median is printed")
	gen := flag.String("gen", "bin/gen", "the gen binary to measure")
	flag.Parse()
	repo, err := os.Getwd()
	if err != nil {
		fatal(err)
	}
	bin, err := filepath.Abs(*gen)
	if err != nil {
		fatal(err)
	}
	if *runs > 0 {
		defaults(bin, repo, *runs)
	}
	if *sizes != "" {
		synthetic(bin, repo, *sizes)
	}
}

// result is one run of gen.
type result struct {
	wall, cpu time.Duration
	maxRSS    int64 // KiB
	code      int
}

// gen runs bin with args against root, with its own cache folder, and
// requires exit code want.
func gen(bin, root, cacheDir string, want int, args ...string) result {
	cmd := exec.Command(bin, append(args, "--root", root)...)
	cmd.Env = append(os.Environ(), "GEN_CACHE_DIR="+cacheDir, "AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdout = nil
	start := time.Now()
	err := cmd.Run()
	r := result{wall: time.Since(start)}
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			fatal(err)
		}
	}
	r.code = cmd.ProcessState.ExitCode()
	if r.code != want {
		out, _ := exec.Command(bin, append(args, "--root", root)...).CombinedOutput()
		fatal(fmt.Errorf("gen %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, want, out))
	}
	r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.maxRSS = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	return r
}

// defaults measures the repository's own environments.
func defaults(bin, repo string, runs int) {
	dir, err := os.MkdirTemp("", "gen-bench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	root, cacheDir := filepath.Join(dir, "repo"), filepath.Join(dir, "cache")
	for _, d := range []string{"cue.mod", "schema", "environments", "policies", "rendered"} {
		if err := os.CopyFS(filepath.Join(root, d), os.DirFS(filepath.Join(repo, d))); err != nil {
			fatal(err)
		}
	}
	// gen does not record a render whose inputs were modified moments
	// before it; these were just copied.
	age(root)
	gen(bin, root, cacheDir, 0, "check") // records every environment

	fmt.Printf("default environments (%d files), %d CPUs, median of %d runs:\n",
		countFiles(filepath.Join(root, "rendered")), runtime.NumCPU(), runs)
	measure := func(label, what string, run func() result) {
		var walls, cpus []time.Duration
		for range runs {
			r := run()
			walls = append(walls, r.wall)
			cpus = append(cpus, r.cpu)
		}
		fmt.Printf("  %-11s %9s wall %9s cpu   %s\n", label, median(walls).Round(100*time.Microsecond),
			median(cpus).Round(100*time.Microsecond), what)
	}
	measure("check", "gen check, nothing changed (cache warm)", func() result {
		return gen(bin, root, cacheDir, 0, "check")
	})
	measure("check-cold", "gen check --no-cache, nothing changed", func() result {
		return gen(bin, root, cacheDir, 0, "check", "--no-cache")
	})
	prod := filepath.Join(root, "environments", "prod", "prod.cue")
	original, err := os.ReadFile(prod)
	if err != nil {
		fatal(err)
	}
	replicas := regexp.MustCompile(`(frontend: \{\s*replicas: )\d+`)
	if !replicas.Match(original) {
		fatal(fmt.Errorf("%s: no frontend replicas to change", prod))
	}
	n := 0
	measure("check1", "gen check after prod's frontend replicas changed (exit 1)", func() result {
		n++
		edited := replicas.ReplaceAll(original, []byte("${1}"+strconv.Itoa(4+n%4)))
		if err := os.WriteFile(prod, edited, 0o644); err != nil {
			fatal(err)
		}
		return gen(bin, root, cacheDir, 1, "check")
	})
	if err := os.WriteFile(prod, original, 0o644); err != nil {
		fatal(err)
	}
	rendered := filepath.Join(root, "rendered")
	measure("render", "gen render --all --offline into an empty rendered/", func() result {
		if err := os.RemoveAll(rendered); err != nil {
			fatal(err)
		}
		return gen(bin, root, cacheDir, 0, "render", "--all", "--offline")
	})
	fmt.Println()
}

// synthetic measures generated platforms of each size.
func synthetic(bin, repo, sizes string) {
	fmt.Printf("%-6s %-5s %-10s %7s %9s %9s %8s\n", "apps", "envs", "step", "files", "wall", "cpu", "maxRSS")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fatal(fmt.Errorf("bad size %q", s))
		}
		dir, err := os.MkdirTemp("", "gen-bench-")
		if err != nil {
			fatal(err)
		}
		root, cacheDir := filepath.Join(dir, "repo"), filepath.Join(dir, "cache")
		if err := synth.Write(root, repo, n); err != nil {
			fatal(err)
		}
		age(root)
		for _, step := range []struct {
			label string
			args  []string
			want  int
			edit  bool // change one app in prod first
		}{
			{"render", []string{"render", "--all", "--offline"}, 0, false},
			{"check", []string{"check"}, 0, false},
			{"check-cold", []string{"check", "--no-cache"}, 0, false},
			{"check1", []string{"check"}, 1, true},
			{"render1", []string{"render", "--all", "--offline"}, 0, false},
		} {
			if step.edit {
				if err := synth.ChangeOneApp(root); err != nil {
					fatal(err)
				}
			}
			r := gen(bin, root, cacheDir, step.want, step.args...)
			fmt.Printf("%-6d %-5d %-10s %7d %9s %9s %6dMiB\n", n, 3, step.label, countFiles(filepath.Join(root, "rendered")),
				r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.maxRSS/1024)
		}
		os.RemoveAll(dir)
	}
}

// age sets every file's modification time under dir to an hour ago.
func age(dir string) {
	then := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, then, then)
	})
	if err != nil {
		fatal(err)
	}
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchplatform:", err)
	os.Exit(2)
}
