// Package modeltest builds [model.Environment] and [model.App] values for
// tests from the repository's schema/ itself, so that a test fixture has
// exactly the defaults gen gives an environment or an app, and cannot drift
// from them when the schema changes.
//
// A fixture is written as the CUE a user would write under
// environments/<name>/:
//
//   - [Env] loads it with [load.Load] (the same evaluation and decoding as
//     gen render), from a temporary root that holds a copy of schema/ and
//     cue.mod/. [Cluster] and [ChatbotProd] are clusters to start from;
//     [ChatbotProdApps] is a whole environment on ChatbotProd, the one
//     the capacity checks and gen plan are tested on.
//   - [App] loads one app inside a small valid environment, with a default
//     namespace and image.
//   - [Root] is such a temporary root, with files of the test's own, for
//     tests that call a loader themselves.
//
// Tests then set in Go only the fields they are about.
//
// Evaluating CUE costs tens of milliseconds, so each distinct source is
// evaluated once per test binary and its decoded JSON kept; every call
// returns a fresh copy that the test may change. The package is safe for
// parallel tests. It is for tests only: nothing outside _test.go files
// imports it.
package modeltest
