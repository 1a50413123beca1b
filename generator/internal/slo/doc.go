// Package slo derives PromQL from an app's objectives and settings: the
// objectives themselves, with their error ratio over any window (what the
// recording rules record, and what a canary's analysis asks), and the
// rules of the app's PrometheusRule: recording rules per objective and
// window, multi-window, multi-burn-rate alerts on each objective (the
// windows of Google's SRE workbook, chapter 5), the alerts on latency and
// throughput seed 000 asks for, and alerts on the app's resources derived
// from its own settings.
//
// Every expression this package returns has been parsed by Prometheus'
// own parser (github.com/prometheus/prometheus/promql/parser), and a
// user's selector that does not parse is an [Error] at the CUE field it
// came from: a typo in an alert is found at render time, not when the
// alert fails to fire.
package slo
