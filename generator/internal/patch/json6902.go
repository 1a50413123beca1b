package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/api/filters/patchjson6902"
	"sigs.k8s.io/kustomize/api/resource"
)

// op is one JSON 6902 operation, kept as its JSON text too so that it can
// be applied on its own.
type op struct {
	Op   string `json:"op"`
	Path string `json:"path"`
	From string `json:"from"`

	raw json.RawMessage
}

func (o op) String() string {
	if o.From != "" {
		return fmt.Sprintf("%s %s to %s", o.Op, o.From, o.Path)
	}
	return o.Op + " " + o.Path
}

// parseOps parses a JSON 6902 patch given as JSON. It checks only what
// messages need; the JSON patch library checks the rest.
func parseOps(js []byte) ([]op, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(js, &raws); err != nil {
		return nil, err
	}
	ops := make([]op, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &ops[i]); err != nil {
			return nil, fmt.Errorf("operation %d is not an object with string fields op, path and from", i)
		}
		if ops[i].Op == "" {
			return nil, fmt.Errorf("operation %d has no op", i)
		}
		ops[i].raw = raw
	}
	return ops, nil
}

// checkOps applies ops to r one at a time, which is what kustomize does in
// one go, and fails when an operation reads a path that does not exist.
// RFC 6902 requires that for replace, remove, test, and the "from" of move
// and copy, but the library kustomize uses (gopkg.in/evanphx/json-patch.v4)
// only enforces it for some: a replace of a missing object member adds it,
// and a move or copy from a missing path moves or copies null. r is
// modified.
func checkOps(r *resource.Resource, ops []op) error {
	for i, o := range ops {
		read, reads := o.Path, false
		switch o.Op {
		case "replace", "remove", "test":
			reads = true
		case "move", "copy":
			read, reads = o.From, true
		}
		if reads {
			b, err := r.MarshalJSON()
			if err != nil {
				return err
			}
			d := json.NewDecoder(bytes.NewReader(b))
			d.UseNumber()
			var doc any
			if err := d.Decode(&doc); err != nil {
				return err
			}
			if err := lookup(doc, read); err != nil {
				return fmt.Errorf("operation %d (%s): %w", i, o, err)
			}
		}
		if err := r.ApplyFilter(patchjson6902.Filter{Patch: "[" + string(o.raw) + "]"}); err != nil {
			return fmt.Errorf("operation %d (%s): %w", i, o, err)
		}
	}
	return nil
}

// errNoPath is the failure of lookup.
var errNoPath = errors.New("path does not exist")

// unescape decodes a JSON pointer's reference token.
var unescape = strings.NewReplacer("~1", "/", "~0", "~")

// lookup checks that the JSON pointer (RFC 6901) ptr names a value in doc.
// Array indexes may be negative, counting from the end, as in the JSON
// patch library kustomize uses.
func lookup(doc any, ptr string) error {
	if ptr == "" {
		return nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return fmt.Errorf("path %q does not start with /", ptr)
	}
	v := doc
	for tok := range strings.SplitSeq(ptr[1:], "/") {
		tok = unescape.Replace(tok)
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return errNoPath
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil {
				return errNoPath
			}
			if i < 0 {
				i += len(c)
			}
			if i < 0 || i >= len(c) {
				return errNoPath
			}
			v = c[i]
		default:
			return errNoPath
		}
	}
	return nil
}
