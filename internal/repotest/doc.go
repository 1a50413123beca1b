// Package repotest locates, for tests, this repository's checkout and the
// shared folder beside it that holds the real JSON schemas (eksctl's
// schema, Argo CD's CRDs). It only finds paths; it reads and writes
// nothing else, and nothing outside _test.go files imports it.
package repotest
