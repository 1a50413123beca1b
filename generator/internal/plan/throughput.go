package plan

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/model"
)

// Throughput is an app's throughput objective against the rate its
// replicas carry at peak, as the render gate holds it (schema #Capacity).
type Throughput struct {
	App string `json:"app"`
	// ObjectiveRPS is objectives.throughput.rps, 0 when the app states
	// none.
	ObjectiveRPS float64 `json:"objectiveRPS"`
	// PerReplicaRPS is capacity.rps, 0 when the app does not declare it;
	// Headroom is capacity.headroom.
	PerReplicaRPS float64 `json:"perReplicaRPS"`
	Headroom      float64 `json:"headroom"`
	// MaxReplicas are the replicas at peak: autoscaling.maxReplicas, or
	// replicas.
	MaxReplicas int64 `json:"maxReplicas"`
	// CapacityRPS is MaxReplicas × PerReplicaRPS × (1 − Headroom).
	CapacityRPS float64 `json:"capacityRPS"`
	// MarginPercent is how far CapacityRPS is above ObjectiveRPS, in
	// percent of it; null unless both the objective and capacity.rps
	// are declared. A render refuses a negative one.
	MarginPercent *Percent `json:"marginPercent"`
}

// throughputOf returns the throughput of env's enabled apps that declare
// a throughput objective or a capacity, sorted by app.
func throughputOf(env *model.Environment) []Throughput {
	out := []Throughput{}
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if !app.Enabled {
			continue
		}
		t, ok := capacity.ThroughputOf(app)
		if !ok {
			continue
		}
		row := Throughput{App: name, ObjectiveRPS: t.Objective, PerReplicaRPS: t.PerReplica, Headroom: t.Headroom,
			MaxReplicas: t.Replicas, CapacityRPS: t.Carried()}
		if t.Checked() {
			m := roundPercent(t.Margin() * 100)
			row.MarginPercent = &m
		}
		out = append(out, row)
	}
	return out
}

// throughputs writes the THROUGHPUT table.
func throughputs(w io.Writer, rows []Throughput) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "THROUGHPUT\tOBJECTIVE\tPER REPLICA\tCAPACITY AT MAX\tMARGIN")
	for _, t := range rows {
		objective, per, atMax, margin := "-", "-", "-", "-"
		if t.ObjectiveRPS > 0 {
			objective = rps(t.ObjectiveRPS)
		}
		if t.PerReplicaRPS > 0 {
			per = rps(t.PerReplicaRPS)
			if t.Headroom > 0 {
				per += fmt.Sprintf(", %s%% headroom", strconv.FormatFloat(math.Round(t.Headroom*1e4)/100, 'f', -1, 64))
			}
			atMax = fmt.Sprintf("%d × %s = %s", t.MaxReplicas, rps(t.PerReplicaRPS*(1-t.Headroom)), rps(t.CapacityRPS))
		}
		switch {
		case t.MarginPercent != nil:
			margin = fmt.Sprintf("%+.1f%%", float64(*t.MarginPercent))
		case t.PerReplicaRPS == 0:
			margin = "not checked: no capacity.rps"
		default:
			margin = "not checked: no throughput objective"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.App, objective, per, atMax, margin)
	}
}

// rps formats a rate with at most two decimals: "500 rps", "62.5 rps".
func rps(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) + " rps"
}
