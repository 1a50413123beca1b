package main

import (
	"strings"
	"testing"
)

// TestHelp checks that gen help shows every command with a whole sentence,
// and that each command's -h shows at least one example.
func TestHelp(t *testing.T) {
	var list strings.Builder
	if code := run([]string{"help"}, &list, &list); code != exitOK {
		t.Fatalf("gen help = %d, want %d", code, exitOK)
	}
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			if strings.Contains(c.summary, "\n") || !strings.HasSuffix(c.summary, ".") {
				t.Errorf("summary %q is not one line ending with a period", c.summary)
			}
			if len(c.examples) == 0 {
				t.Errorf("no example")
			}
			for _, ex := range c.examples {
				if !strings.HasPrefix(ex, "gen "+c.name) && !strings.Contains(ex, "gen "+c.name+" ") {
					t.Errorf("example %q does not run gen %s", ex, c.name)
				}
			}
			if c.hidden {
				if strings.Contains(list.String(), c.name) {
					t.Errorf("gen help lists the hidden command")
				}
				return
			}
			if !strings.Contains(list.String(), c.name+" ") || !strings.Contains(list.String(), " "+c.summary+"\n") {
				t.Errorf("gen help does not show %s with its summary %q:\n%s", c.name, c.summary, list.String())
			}
			var out strings.Builder
			if code := run([]string{c.name, "-h"}, &out, &out); code != exitOK {
				t.Fatalf("gen %s -h = %d, want %d", c.name, code, exitOK)
			}
			if !strings.Contains(out.String(), "\nexamples:\n  "+c.examples[0]+"\n") {
				t.Errorf("gen %s -h shows no example:\n%s", c.name, out.String())
			}
		})
	}
}
