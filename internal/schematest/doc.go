// Package schematest validates what gen renders against the published
// schemas of the tools that consume it: Argo CD's CustomResourceDefinitions
// ([ValidateCRD]) and eksctl's JSON schema ([ValidateEksctl]), both
// closed so that an unknown or misspelt field is an error. The schemas
// live in the shared folder beside the repository; tests find them with
// internal/repotest.SharedFile.
//
// It is for tests only, so that the gen binary does not carry a JSON
// Schema validator: nothing outside _test.go files imports it.
package schematest
