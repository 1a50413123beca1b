// Package plan makes the report of "gen plan": an environment's node
// groups with their capacity at min and max size, each app's requests at
// min and max replicas, the totals and headroom, and the monthly cost at
// min and max (control plane, nodes, load balancers, EBS) beside the
// environment's budget, as text for people ([Plan.Text]) or JSON for CI
// ([Plan.JSON]). [Build] makes it from a [capacity.Analysis], which holds
// the facts and the capacity arithmetic; this package adds the report's
// types (types.go), the cost arithmetic (cost.go) and the rendering
// (text.go).
//
// The report only describes: nothing here refuses a render. Whether the
// workloads fit their cluster is decided by the render gates in package
// check, which read the same analysis.
//
// The package is pure: no I/O but the writer it is given, no network, no
// clock. The date that support windows are compared with is an input
// ([Options.Today]), so that only the report, never rendered files,
// depends on it.
package plan
