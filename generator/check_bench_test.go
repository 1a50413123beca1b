package generator_test

import (
	"context"
	"testing"

	"github.com/gitops-gen/gen/generator"
)

// BenchmarkCheckWarm measures what a no-change gen check does in process
// when the cache knows every environment of the repository: read the
// entries, digest the inputs and compare rendered/ by its metadata. The
// process start-up that comes before it is gen's own; make bench measures
// the whole command.
func BenchmarkCheckWarm(b *testing.B) {
	ctx := context.Background()
	opts := generator.Options{Root: repoRoot, Cache: generator.NewCache(b.TempDir()), SkipUnlocked: true}
	// The first check renders and records; the second reads the files
	// and records their metadata; from the third on the cache is warm.
	for range 2 {
		if _, err := generator.Check(ctx, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := generator.Check(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Cached) != len(res.Envs) || res.Failed() {
			b.Fatalf("warm check: %d of %d environments cached, failed %t", len(res.Cached), len(res.Envs), res.Failed())
		}
	}
}
