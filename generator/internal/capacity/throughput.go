package capacity

import (
	"math"

	"github.com/gitops-gen/gen/generator/model"
)

// Throughput is an app's throughput objective against the rate its
// replicas carry at peak (schema #Capacity): what the render gate holds
// the app to and what gen plan reports.
type Throughput struct {
	// Objective is the rate the app must carry, objectives.throughput.rps;
	// 0 when it states none.
	Objective float64
	// PerReplica is capacity.rps, what one replica sustains; 0 when the
	// app does not declare it. Headroom is capacity.headroom.
	PerReplica float64
	Headroom   float64
	// Replicas are the app's replicas at peak: autoscaling.maxReplicas
	// when Autoscaled, else replicas.
	Replicas   int64
	Autoscaled bool
}

// ThroughputOf returns app's throughput, and false when it declares
// neither a throughput objective nor a capacity.
func ThroughputOf(app *model.App) (Throughput, bool) {
	o, c := app.Objectives.Throughput, app.Capacity
	if o == nil && c == nil {
		return Throughput{}, false
	}
	_, hi := Replicas(app)
	t := Throughput{Replicas: hi, Autoscaled: app.HPA() && app.Autoscaling.MaxReplicas != nil}
	if o != nil {
		t.Objective = o.RPS
	}
	if c != nil {
		t.PerReplica, t.Headroom = c.RPS, c.Headroom
	}
	return t, true
}

// Checked reports whether both the objective and the per-replica rate
// are declared, so that the one can be held to the other.
func (t Throughput) Checked() bool { return t.Objective > 0 && t.PerReplica > 0 }

// Factor is the share of a replica's rate that is planned on, 1 − Headroom.
func (t Throughput) Factor() float64 { return round(1-t.Headroom, 4) }

// Carried is the rate the replicas carry at peak: Replicas × PerReplica
// × Factor, in requests per second.
func (t Throughput) Carried() float64 {
	return round(float64(t.Replicas)*t.PerReplica*t.Factor(), 6)
}

// Short reports whether the replicas at peak cannot carry the objective.
func (t Throughput) Short() bool { return t.Checked() && t.Carried() < t.Objective }

// Margin is how much more than the objective the replicas carry at
// peak, as a share of the objective: 0.28 is 28% above it, negative
// below.
func (t Throughput) Margin() float64 {
	if t.Objective == 0 {
		return 0
	}
	return t.Carried()/t.Objective - 1
}

// ReplicasNeeded is the fewest replicas at peak that carry the objective
// at PerReplica.
func (t Throughput) ReplicasNeeded() int64 {
	return int64(math.Ceil(round(t.Objective/(t.PerReplica*t.Factor()), 6)))
}

// PerReplicaNeeded is the least per-replica rate with which Replicas
// carry the objective, rounded up to two decimals; +Inf for no replicas.
func (t Throughput) PerReplicaNeeded() float64 {
	if t.Replicas == 0 {
		return math.Inf(1)
	}
	return math.Ceil(round(t.Objective/(float64(t.Replicas)*t.Factor())*100, 6)) / 100
}

// round rounds f to n decimals, which takes out the binary fractions of
// decimal inputs (1 − 0.2 is 0.8, not 0.79999…).
func round(f float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(f*p) / p
}
