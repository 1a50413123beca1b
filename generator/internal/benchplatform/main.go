// Command benchplatform measures gen on synthetic platforms: for each size
// it writes a platform of that many apps × 3 environments (generated CUE,
// using this repository's schema/), runs the gen binary on it, and prints
// CPU seconds, wall time and peak memory (max RSS) of each run:
//
//	render   gen render --all into an empty rendered/
//	check    gen check on the result (nothing changed)
//	render1  gen render --all after one app of prod changed
//
//	go build -o bin/gen ./cmd/gen
//	go run ./generator/internal/benchplatform [-gen bin/gen] [-sizes 25,250,1000]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gitops-gen/gen/generator/internal/synth"
)

func main() {
	sizes := flag.String("sizes", "25,250,1000", "comma-separated app counts")
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
	fmt.Printf("%-6s %-5s %-7s %7s %9s %9s %8s\n", "apps", "envs", "command", "files", "wall", "cpu", "maxRSS")
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fatal(fmt.Errorf("bad size %q", s))
		}
		dir, err := os.MkdirTemp("", "gen-bench-")
		if err != nil {
			fatal(err)
		}
		if err := synth.Write(dir, repo, n); err != nil {
			fatal(err)
		}
		for _, step := range []struct {
			label string
			args  []string
			edit  bool // change one app in prod first
		}{
			// --offline: the platform's lock files hold every tag; a
			// benchmark never talks to a registry.
			{"render", []string{"render", "--all", "--offline"}, false},
			{"check", []string{"check"}, false},
			{"render1", []string{"render", "--all", "--offline"}, true},
		} {
			if step.edit {
				if err := synth.ChangeOneApp(dir); err != nil {
					fatal(err)
				}
			}
			args := step.args
			cmd := exec.Command(bin, append(args, "--root", dir)...)
			cmd.Stderr = os.Stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				fatal(fmt.Errorf("gen %s on %d apps: %w", strings.Join(args, " "), n, err))
			}
			wall := time.Since(start)
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			fmt.Printf("%-6d %-5d %-7s %7d %9s %9s %6dMiB\n", n, 3, step.label, countFiles(filepath.Join(dir, "rendered")),
				wall.Round(time.Millisecond), cpu.Round(time.Millisecond), ru.Maxrss/1024)
		}
		os.RemoveAll(dir)
	}
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
