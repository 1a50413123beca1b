package gcpercent

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestPercent(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the package leaves the target alone")
	}
	got := debug.SetGCPercent(Percent)
	if got != Percent {
		t.Errorf("GC percent after init = %d, want %d", got, Percent)
	}
}
