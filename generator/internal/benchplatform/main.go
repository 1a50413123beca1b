// Command benchplatform measures gen on synthetic platforms: for each size
// it writes a platform of that many apps × 3 environments (generated CUE,
// using this repository's schema/), renders it in a child process, and
// prints CPU seconds, wall time and peak memory (max RSS) of that process.
//
//	go run ./generator/internal/benchplatform [-sizes 25,250,1000]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/internal/synth"
)

func main() {
	sizes := flag.String("sizes", "25,250,1000", "comma-separated app counts")
	child := flag.String("child", "", "internal: render the platform in this dir and exit")
	flag.Parse()
	if *child != "" {
		os.Exit(render(*child))
	}
	repo, err := os.Getwd()
	if err != nil {
		fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		fatal(err)
	}
	fmt.Printf("%-6s %-6s %8s %10s %10s %10s %9s\n", "apps", "envs", "files", "wall", "cpu", "user+sys", "maxRSS")
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
		cmd := exec.Command(self, "-child", dir)
		cmd.Stderr = os.Stderr
		start := time.Now()
		out, err := cmd.Output()
		wall := time.Since(start)
		if err != nil {
			fatal(fmt.Errorf("rendering %d apps: %w", n, err))
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		fmt.Printf("%-6d %-6d %8s %10s %10s %10s %7dMiB\n", n, 3, strings.TrimSpace(string(out)),
			wall.Round(time.Millisecond), cpu.Round(time.Millisecond),
			fmt.Sprintf("%.2fs", cpu.Seconds()), ru.Maxrss/1024)
		os.RemoveAll(dir)
	}
}

// render renders every environment under dir into dir/rendered and prints
// the number of files written.
func render(dir string) int {
	res, err := generator.Render(context.Background(), generator.Options{Root: dir})
	if err != nil {
		generator.PrintError(os.Stderr, err, dir)
		return 2
	}
	if _, err := generator.Write(dir, res); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	n := 0
	for _, e := range res.Envs {
		n += len(e.Files)
	}
	fmt.Println(n)
	return 0
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchplatform:", err)
	os.Exit(2)
}
