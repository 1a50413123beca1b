// Command benchplatform measures the gen binary from the outside, as a
// pre-commit hook or CI runs it, and beside helm template and cp -r, the
// yardsticks the targets of make bench are stated against.
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
// environments (generated CUE using this repository's schema/, see
// package synth), each step run -reps times (the median is printed), with
// CPU seconds (user + system, from rusage) and peak memory (max RSS):
//
//	render       gen render --all into an empty rendered/
//	cp           cp -r of that rendered/: the file system's floor
//	stream       gen render --all -o -: the same files as one YAML stream
//	helm         helm template of a chart of the same objects (synth.WriteChart),
//	             once per environment, summed; skipped when -helm is ""
//	check-first  gen check, nothing changed, right after the render: it reads
//	             the files the render wrote
//	check        gen check, nothing changed, the cache warm (the third check)
//	check-cold   gen check --no-cache
//	check1       gen check after one app of prod changed
//	render1      gen render --all after that change
//
// and the ratios the targets are stated in (render against cp -r, a
// change against a cold render, ...), and the exponent k of each step's
// growth, cpu ∝ N^k, fitted over the sizes. Times on a shared machine
// move with its load (printed): compare ratios within one run.
//
// Every run is offline (the lock files hold every tag) and uses a cache
// folder of its own; helm is given folders of its own and no cluster.
//
//	go build -o bin/gen ./cmd/gen
//	go run ./generator/internal/benchplatform [-gen bin/gen] [-helm PATH] [-runs 15] [-sizes 25,250,1000] [-reps 1]
//
// make bench builds helm from tools/helm and passes it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"math"
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
	helm := flag.String("helm", "", "the helm binary to compare with (make helm builds one); \"\" for none")
	reps := flag.Int("reps", 1, "runs of each step on the synthetic platforms; the median is printed")
	flag.Parse()
	if *reps < 1 {
		fatal(fmt.Errorf("-reps %d: want at least 1", *reps))
	}
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
		helmBin := *helm
		if helmBin != "" {
			if helmBin, err = filepath.Abs(helmBin); err != nil {
				fatal(err)
			}
		}
		synthetic(bin, helmBin, repo, *sizes, *reps)
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
	wall := time.Since(start)
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			fatal(err)
		}
	}
	r := usage(cmd, wall)
	if r.code != want {
		out, _ := exec.Command(bin, append(args, "--root", root)...).CombinedOutput()
		fatal(fmt.Errorf("gen %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, want, out))
	}
	return r
}

// usage is what the finished cmd cost, from its rusage: user and system
// CPU time, and its max RSS.
func usage(cmd *exec.Cmd, wall time.Duration) result {
	return result{
		wall:   wall,
		cpu:    cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		maxRSS: cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss,
		code:   cmd.ProcessState.ExitCode(),
	}
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
	// and, two seconds after the copy, every file's metadata.
	time.Sleep(2100 * time.Millisecond)
	gen(bin, root, cacheDir, 0, "check")

	files, _ := treeSize(filepath.Join(root, "rendered"))
	fmt.Printf("default environments (%d files), %d CPUs, %s, median of %d runs:\n",
		files, runtime.NumCPU(), loadAverage(), runs)
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
	measure("check", "gen check, nothing changed (cache warm) [target <= 30 ms]", func() result {
		return gen(bin, root, cacheDir, 0, "check")
	})
	measure("check-cold", "gen check --no-cache, nothing changed", func() result {
		return gen(bin, root, cacheDir, 0, "check", "--no-cache")
	})
	prod := filepath.Join(root, "environments", "chatbot", "prod", "prod.cue")
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

// sample is one step's measure at one size: the median of its runs.
type sample struct {
	result
	objects int   // files written, or documents in the stream
	bytes   int64 // their size
}

// synthetic measures generated platforms of each size, beside helm
// template on a chart of the same objects (when helm is not "") and cp -r
// of the rendered tree, then prints the ratios the targets are stated in
// and how each step grows with the number of apps.
func synthetic(bin, helm, repo, sizes string, reps int) {
	var ns []int
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fatal(fmt.Errorf("bad size %q", s))
		}
		ns = append(ns, n)
	}
	fmt.Printf("synthetic platforms, %d CPUs, %s, median of %d runs each:\n", runtime.NumCPU(), loadAverage(), reps)
	fmt.Printf("%-6s %-11s %8s %9s %9s %9s %8s   %s\n", "apps", "step", "objects", "MiB out", "wall", "cpu", "maxRSS", "what")
	all := map[int]map[string]sample{}
	for _, n := range ns {
		runs := map[string][]sample{}
		for range reps {
			for label, s := range syntheticRun(bin, helm, repo, n) {
				runs[label] = append(runs[label], s)
			}
		}
		all[n] = map[string]sample{}
		for _, st := range steps {
			if len(runs[st.label]) == 0 {
				continue
			}
			s := medianSample(runs[st.label])
			all[n][st.label] = s
			fmt.Printf("%-6d %-11s %8d %9.1f %9s %9s %6dMiB   %s\n", n, st.label, s.objects, float64(s.bytes)/(1<<20),
				s.wall.Round(time.Millisecond), s.cpu.Round(time.Millisecond), s.maxRSS/1024, st.what)
		}
	}
	fmt.Println()
	ratios(ns, all)
	growth(ns, all)
}

// steps are what synthetic measures at each size, in the order printed.
var steps = []struct{ label, what string }{
	{"render", "gen render --all into an empty rendered/ (cold: no cache)"},
	{"cp", "cp -r of that rendered/ (the file system's floor)"},
	{"stream", "gen render --all -o -: the same files as one YAML stream on stdout"},
	{"helm", "helm template of an equivalent chart, once per environment, summed"},
	{"check-first", "gen check, nothing changed, the first after the render (reads the new files)"},
	{"check", "gen check, nothing changed, the cache warm (the hook's case)"},
	{"check-cold", "gen check --no-cache"},
	{"check1", "gen check after one app of prod changed"},
	{"render1", "gen render --all after that change"},
}

// syntheticRun writes a platform of n apps and its chart into a fresh
// folder and measures each step once.
func syntheticRun(bin, helm, repo string, n int) map[string]sample {
	dir, err := os.MkdirTemp("", "gen-bench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	root, cacheDir, chart := filepath.Join(dir, "repo"), filepath.Join(dir, "cache"), filepath.Join(dir, "chart")
	if err := synth.Write(root, repo, n); err != nil {
		fatal(err)
	}
	if err := synth.WriteChart(chart, n); err != nil {
		fatal(err)
	}
	age(root)
	rendered := filepath.Join(root, "rendered")
	out := map[string]sample{}
	tree := func(r result) sample {
		files, size := treeSize(rendered)
		return sample{result: r, objects: files, bytes: size}
	}
	out["render"] = tree(gen(bin, root, cacheDir, 0, "render", "--all", "--offline"))
	out["cp"] = copyTree(rendered, filepath.Join(dir, "copy"))
	out["stream"] = genStream(bin, root, cacheDir)
	if helm != "" {
		out["helm"] = helmTemplate(helm, chart, dir)
	}
	out["check-first"] = tree(gen(bin, root, cacheDir, 0, "check"))
	// The files a check may trust by their metadata are those changed
	// two seconds before it began (generator's mtimeSlack).
	time.Sleep(2100 * time.Millisecond)
	gen(bin, root, cacheDir, 0, "check")
	out["check"] = tree(gen(bin, root, cacheDir, 0, "check"))
	out["check-cold"] = tree(gen(bin, root, cacheDir, 0, "check", "--no-cache"))
	if err := synth.ChangeOneApp(root); err != nil {
		fatal(err)
	}
	out["check1"] = tree(gen(bin, root, cacheDir, 1, "check"))
	out["render1"] = tree(gen(bin, root, cacheDir, 0, "render", "--all", "--offline"))
	return out
}

// genStream measures gen render -o -, counting what it prints.
func genStream(bin, root, cacheDir string) sample {
	var out countingWriter
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "render", "--all", "--offline", "-o", "-", "--root", root)
	cmd.Env = append(os.Environ(), "GEN_CACHE_DIR="+cacheDir, "AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fatal(fmt.Errorf("gen render --all -o -: %v\n%s", err, stderr.Bytes()))
	}
	return sample{result: usage(cmd, time.Since(start)), objects: out.docs, bytes: out.n}
}

// copyTree measures cp -r of src to dst: what creating and writing the
// same files costs without rendering them.
func copyTree(src, dst string) sample {
	cmd := exec.Command("cp", "-r", src, dst)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fatal(fmt.Errorf("cp -r %s %s: %v\n%s", src, dst, err, stderr.Bytes()))
	}
	files, size := treeSize(dst)
	return sample{result: usage(cmd, time.Since(start)), objects: files, bytes: size}
}

// helmTemplate runs helm template on chart with the values of each
// environment in turn, as a chart's user renders three environments, and
// returns the sum of the runs' times, the largest max RSS, and the
// documents and bytes they printed. helm's own folders are kept under
// dir, and it is given nothing that could reach a cluster or a
// repository.
func helmTemplate(helm, chart, dir string) sample {
	var s sample
	for _, env := range synth.Envs {
		var out countingWriter
		var stderr bytes.Buffer
		cmd := exec.Command(helm, "template", "bench", chart, "-f", filepath.Join(chart, "values-"+env+".yaml"))
		cmd.Env = append(os.Environ(),
			"HELM_CACHE_HOME="+filepath.Join(dir, "helm", "cache"),
			"HELM_CONFIG_HOME="+filepath.Join(dir, "helm", "config"),
			"HELM_DATA_HOME="+filepath.Join(dir, "helm", "data"),
			"KUBECONFIG="+filepath.Join(dir, "helm", "no-kubeconfig"))
		cmd.Stdout, cmd.Stderr = &out, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fatal(fmt.Errorf("helm template %s (%s): %v\n%s", chart, env, err, stderr.Bytes()))
		}
		r := usage(cmd, time.Since(start))
		s.wall += r.wall
		s.cpu += r.cpu
		s.maxRSS = max(s.maxRSS, r.maxRSS)
		s.objects += out.docs
		s.bytes += out.n
	}
	return s
}

// countingWriter counts the bytes and the YAML documents ("---" lines)
// written to it.
type countingWriter struct {
	n    int64
	docs int
	line []byte // the start of the line being written
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	for _, b := range p {
		if b == '\n' {
			if string(w.line) == "---" {
				w.docs++
			}
			w.line = w.line[:0]
		} else if len(w.line) < 4 {
			w.line = append(w.line, b)
		}
	}
	return len(p), nil
}

// ratios prints, for each size, the ratios the targets are stated in.
func ratios(ns []int, all map[int]map[string]sample) {
	fmt.Println("ratios (targets in brackets):")
	for _, n := range ns {
		m := all[n]
		line := func(label string, v float64, target string) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return
			}
			fmt.Printf("  %-6d %-44s %8.3f   [%s]\n", n, label, v, target)
		}
		cpu := func(a, b string) float64 {
			sa, oka := m[a]
			sb, okb := m[b]
			if !oka || !okb {
				return math.NaN()
			}
			return sa.cpu.Seconds() / sb.cpu.Seconds()
		}
		wall := func(a, b string) float64 {
			sa, oka := m[a]
			sb, okb := m[b]
			if !oka || !okb {
				return math.NaN()
			}
			return sa.wall.Seconds() / sb.wall.Seconds()
		}
		line("stream / helm template, cpu", cpu("stream", "helm"), "<= 0.33")
		line("render / helm template, cpu", cpu("render", "helm"), "-")
		line("render / cp -r, cpu", cpu("render", "cp"), "<= 1.5")
		line("render / cp -r, wall", wall("render", "cp"), "-")
		line("render1 / render, cpu", cpu("render1", "render"), "<= 0.05")
		line("check-cold / render, cpu", cpu("check-cold", "render"), "<= 1")
		if c, ok := m["check"]; ok {
			line("check (warm), wall ms", float64(c.wall.Microseconds())/1000, "<= 100 at 1000 apps")
		}
		line("peak maxRSS of gen, MiB", float64(genPeak(m))/1024, "<= 256")
	}
	fmt.Println()
}

// genPeak is the largest max RSS of the steps that run gen.
func genPeak(m map[string]sample) int64 {
	var peak int64
	for label, s := range m {
		if label != "cp" && label != "helm" {
			peak = max(peak, s.maxRSS)
		}
	}
	return peak
}

// growth prints, for each step, the exponent k of cpu ∝ N^k fitted by
// least squares over log(cpu) and log(N), and the same for gen's peak
// memory: 1 is linear.
func growth(ns []int, all map[int]map[string]sample) {
	if len(ns) < 2 {
		return
	}
	var sizes []string
	for _, n := range ns {
		sizes = append(sizes, strconv.Itoa(n))
	}
	fmt.Printf("growth with the number of apps, k in cost ∝ N^k (least squares over N = %s):\n", strings.Join(sizes, ", "))
	for _, st := range steps {
		var xs, ys []float64
		for _, n := range ns {
			if s, ok := all[n][st.label]; ok && s.cpu > 0 {
				xs = append(xs, float64(n))
				ys = append(ys, s.cpu.Seconds())
			}
		}
		if len(xs) == len(ns) {
			fmt.Printf("  %-11s cpu    k = %.2f\n", st.label, exponent(xs, ys))
		}
	}
	var xs, ys []float64
	for _, n := range ns {
		xs = append(xs, float64(n))
		ys = append(ys, float64(genPeak(all[n])))
	}
	fmt.Printf("  %-11s maxRSS k = %.2f\n", "gen", exponent(xs, ys))
	fmt.Println()
}

// exponent fits log(y) = k·log(x) + c by least squares and returns k.
func exponent(xs, ys []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i := range xs {
		x, y := math.Log(xs[i]), math.Log(ys[i])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	n := float64(len(xs))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// medianSample takes each measure's median over runs separately.
func medianSample(runs []sample) sample {
	var walls, cpus []time.Duration
	var rss []int64
	for _, r := range runs {
		walls = append(walls, r.wall)
		cpus = append(cpus, r.cpu)
		rss = append(rss, r.maxRSS)
	}
	slices.Sort(rss)
	s := runs[0]
	s.wall, s.cpu, s.maxRSS = median(walls), median(cpus), rss[len(rss)/2]
	return s
}

// loadAverage is the machine's load average over 1, 5 and 15 minutes,
// as uptime prints it: other work on a shared machine skews times, so
// compare ratios within one run.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load average unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "load average unknown"
	}
	return "load average " + strings.Join(f[:3], ", ")
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

// treeSize counts the files under dir and their bytes.
func treeSize(dir string) (files int, size int64) {
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			if fi, err := d.Info(); err == nil {
				files++
				size += fi.Size()
			}
		}
		return nil
	})
	return files, size
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchplatform:", err)
	os.Exit(2)
}
