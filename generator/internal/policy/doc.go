// Package policy evaluates the rules of policies/*.cue over the rendered
// objects of an environment and reports the violations, for people (text),
// for scripts (JSON) and for CI code scanning (SARIF 2.1.0).
//
// # Policies
//
// A policy is a field of policies: in CUE package "policies" at the
// repository root, checked against schema.#Policy:
//
//	policies: "min-replicas": {
//		description: "Deployments in prod run at least 3 pods."
//		environments: ["prod"]     // default ["*"]
//		kinds: ["Deployment"]      // default ["*"]
//		severity: "error"          // or "warning"; default "error"
//		check: replicas: >=3       // a constraint over schema.#Input
//	}
//
// Users add a file; no Go changes. [Load] reports mistakes in a policy
// (a misspelt field, a check on a fact #Input does not have) as CUE errors
// positioned in the policy file.
//
// # Evaluation
//
// [Set.Evaluate] builds the #Input of every object (the object and facts
// computed from all objects of the environment: see schema.#Input), unifies
// it with the check of every policy that applies to the environment and
// the object's kind, and validates the result with required fields
// enforced but without requiring concrete values. So:
//   - a constraint fails on a value the input has (replicas: >=3 with
//     replicas 1), and so does a required field the input lacks (cpu!: _);
//   - a constraint on a field the input lacks passes (replicas: >=3 on a
//     Service, which has no replicas): write x!: to require a field, and
//     pod?: {...} when a required field applies only to kinds that have
//     the fact (pod: {...} creates pod, and its required fields, for every
//     kind);
//   - a check refers to another fact by declaring it (check: {env: _,
//     images: [...{registry: or(env.allowedRegistries)}]}), as references
//     are lexical in CUE.
//
// Each failing field is a [Violation], with the field as a path in the
// object (spec.template.spec.containers[0].resources.requests.cpu rather
// than the check's pod.containers.0...), the value found there, the
// rendered file, and where the app is defined in environments/.
//
// Facts the engine computes, beyond what #Input's comments say:
//   - replicas is set for Deployments, StatefulSets and ReplicaSets (the
//     HPA's minReplicas, else spec.replicas, else 1), and for an HPA or
//     PDB, that of the workload it targets or selects;
//   - a PDB selects the workloads in its namespace whose pod template
//     labels match its selector (an empty selector matches every one);
//   - selects counts the workloads whose pod template labels include the
//     Service's selector; a Service without a selector counts as 1, so
//     that "every Service selects something" does not fire on headless
//     Services with their own Endpoints or ExternalName Services;
//   - longRunning is set for every object: false but for Deployments,
//     StatefulSets and DaemonSets.
//
// Evaluate is pure and safe for concurrent use: CUE values are immutable
// and may be used from several goroutines (cuelang.org/go/cue's package
// documentation), so the compiled checks are shared and each goroutine
// encodes inputs in a context of its own. Objects are checked in parallel
// chunks whose results are put together in object order.
//
// Evaluation stays cheap because each check is unified with only what it
// reads of the input, which its syntax shows (needs.go): BenchmarkEvaluate,
// 13 policies over 1,000 objects, takes about 0.07 s, against 0.3 s when
// every check sees the whole input.
//
// # Waivers
//
// An app waives a policy in its environment CUE (apps: web: waivers:
// "min-replicas": {reason: "...", expires: "2026-12-31"}). A waiver holds
// through its expiry date: the app's violations of the policy move to
// [Report.Waived]. After that date the violations stay and the waiver is
// reported in [Report.Expired], which fails the environment by itself; a
// waiver that excuses nothing is reported in [Report.Unused].
//
// The package reads policies/ and schema/ in Load and no other file, and
// writes none: WriteText, WriteJSON and WriteSARIF format reports for the
// writer the caller passes.
package policy
