package schematest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateEksctl validates content, a ClusterConfig in the JSON data model
// (the Content of the ClusterConfig gen builds, or a decoded
// rendered/<env>/cluster/eksctl.yaml), against the JSON schema at
// schemaPath: eksctl's schema.json, as printed by "eksctl utils schema". That schema is draft-07 and closed
// ("additionalProperties": false on every object), so an unknown or
// misspelt field fails as surely as a wrong type or enum value.
//
// It reads and compiles the schema on every call.
func ValidateEksctl(schemaPath string, content map[string]any) error {
	abs, err := filepath.Abs(schemaPath)
	if err != nil {
		return fmt.Errorf("eksctl schema %s: %w", schemaPath, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return fmt.Errorf("reading eksctl schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parsing eksctl schema %s: %w", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	// The file says draft-07 in "$schema"; this is for copies that do not.
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource(abs, doc); err != nil {
		return fmt.Errorf("loading eksctl schema %s: %w", schemaPath, err)
	}
	sch, err := c.Compile(abs)
	if err != nil {
		return fmt.Errorf("compiling eksctl schema %s: %w", schemaPath, err)
	}
	inst, err := instance(content)
	if err != nil {
		return fmt.Errorf("the ClusterConfig: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("ClusterConfig does not match eksctl's schema: %w", err)
	}
	return nil
}
