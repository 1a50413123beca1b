package load

import (
	"fmt"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// BenchmarkAppKeys keys the apps of an environment of 1000 apps as
// byApps does when every app is remembered: from the files' plain data,
// or (cue) from each app's value exported as CUE.
func BenchmarkAppKeys(b *testing.B) {
	var src strings.Builder
	src.WriteString("package environments\n\napps: {\n")
	for i := range 1000 {
		fmt.Fprintf(&src, "\t\"svc-%04d\": {\n\t\tnamespace: \"team-%03d\"\n\t\timage: {repository: \"registry.example.com/svc-%04d\", tag: \"1.%d.0\"}\n", i, i/10, i, i%7)
		src.WriteString("\t\tports: {http: port: 8080, metrics: port: 9090}\n\t\tenv: {LOG_FORMAT: \"json\"}\n\t\tresources: requests: {cpu: \"250m\", memory: \"512Mi\"}\n\t\tlabels: team: \"a\"\n\t}\n")
	}
	src.WriteString("}\n")
	f, err := parser.ParseFile("apps.cue", src.String())
	if err != nil {
		b.Fatal(err)
	}
	apps := cuecontext.New().BuildFile(f).LookupPath(cue.ParsePath("apps"))
	if _, err := apps.MarshalJSON(); err != nil { // evaluated once, outside the runs
		b.Fatal(err)
	}
	keys := func(b *testing.B, plain map[string][]byte) {
		it, err := apps.Fields()
		if err != nil {
			b.Fatal(err)
		}
		for it.Next() {
			name := it.Selector().Unquoted()
			data, ok := plain[name]
			if appKey(nil, nil, name, data, ok, it.Value()) == "" {
				b.Fatal("no key")
			}
		}
	}
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			plain := plainApps([]*ast.File{f})
			if len(plain) != 1000 {
				b.Fatalf("%d apps of plain data, want 1000", len(plain))
			}
			keys(b, plain)
		}
	})
	b.Run("cue", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			keys(b, nil)
		}
	})
}
