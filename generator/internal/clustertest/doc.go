// Package clustertest puts an environment's rendered objects in front of
// a real control plane (internal/kubetest): kube-apiserver's validation
// and admission ([DryRun]), and kube-scheduler's placement on nodes made
// from gen's own capacity model ([ScheduleEnv], [NewFixture]). [Committed]
// reads the committed environments: each one's model and the objects of
// rendered/<env>/.
//
// It is for tests only: nothing outside _test.go files imports it. A test
// package that uses it calls kubetest.Main from its TestMain.
package clustertest
