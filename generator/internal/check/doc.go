// Package check validates a loaded environment beyond what the CUE schema
// can say: names that must be DNS-1123 labels, references between fields
// (probe and Service ports, node groups, namespaces), numbers that must
// agree (limits at least requests, autoscaling min at most max) and
// settings that only make sense for some workload kinds.
//
// Every problem is a CUE error positioned at the field that causes it, and
// every problem is reported, not only the first. Check is pure.
package check
