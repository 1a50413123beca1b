package patch

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
)

// toNode converts a value of the JSON data model, as [object.Decode] makes
// it, into a YAML node for kustomize without going through text: strings
// are tagged !!str, so they stay strings whatever they look like, numbers
// keep their digits, and the node is in block style, which kyaml parses
// about three times as fast as JSON when kustomize reads it back.
func toNode(v any) (*yaml3.Node, error) {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml3.Node{Kind: yaml3.MappingNode, Tag: "!!map"}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			c, err := toNode(v[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			n.Content = append(n.Content, scalar("!!str", k), c)
		}
		return n, nil
	case []any:
		n := &yaml3.Node{Kind: yaml3.SequenceNode, Tag: "!!seq"}
		for i, e := range v {
			c, err := toNode(e)
			if err != nil {
				return nil, fmt.Errorf("%d: %w", i, err)
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case string:
		return scalar("!!str", v), nil
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return scalar("!!float", string(v)), nil
		}
		return scalar("!!int", string(v)), nil
	case bool:
		return scalar("!!bool", strconv.FormatBool(v)), nil
	case nil:
		return scalar("!!null", "null"), nil
	}
	return nil, fmt.Errorf("unexpected %T in object", v)
}

func scalar(tag, value string) *yaml3.Node {
	return &yaml3.Node{Kind: yaml3.ScalarNode, Tag: tag, Value: value}
}
