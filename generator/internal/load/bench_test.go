package load_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/synth"
	"github.com/gitops-gen/gen/internal/repotest"
)

// BenchmarkLoadSynthetic loads the prod environment of a synthetic
// platform (synth.Write) of 100 and of 1000 apps, with this repository's
// schema: the CUE evaluation and decoding of one environment, which
// dominates a render. Besides the wall time it reports the process's CPU
// time per load (user + system, cpu-ns/op), which a busy machine disturbs
// less. Compare runs with benchstat:
//
//	go test -run '^$' -bench LoadSynthetic -count 5 ./generator/internal/load
func BenchmarkLoadSynthetic(b *testing.B) {
	repo, err := repotest.Root()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := synth.Write(dir, repo, n); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				envs, err := load.Load(dir, []string{"prod"})
				if err != nil {
					b.Fatal(err)
				}
				if got := len(envs[0].Apps); got != n {
					b.Fatalf("loaded %d apps, want %d", got, n)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
