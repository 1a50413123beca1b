package addons

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
)

//go:embed data/eks-addons.json
var tableJSON []byte

// table is data/eks-addons.json.
type table struct {
	// Date is when the versions were read from their sources.
	Date   string            `json:"date"`
	Addons map[string]*addon `json:"addons"`
}

// addon is one add-on's versions, newest first.
type addon struct {
	Versions []version `json:"versions"`
}

// version is one add-on version, the Kubernetes minors it supports and
// those for which it is the one gen installs by default.
type version struct {
	Version    string   `json:"version"`
	Kubernetes []string `json:"kubernetes"`
	DefaultFor []string `json:"defaultFor"`
}

var facts = sync.OnceValue(func() *table {
	var t table
	if err := json.Unmarshal(tableJSON, &t); err != nil {
		panic(fmt.Sprintf("addons: data/eks-addons.json: %v", err)) // embedded: a build defect
	}
	return &t
})

// Date is the day the table's versions were read from their sources.
func Date() string { return facts().Date }

// Names returns the add-ons the table knows, sorted.
func Names() []string { return slices.Sorted(maps.Keys(facts().Addons)) }

// Known reports whether the table knows the add-on.
func Known(name string) bool { return facts().Addons[name] != nil }

// Versions returns the versions of the add-on that support Kubernetes
// minor (e.g. "1.35"), newest first; none for an unknown add-on or minor.
func Versions(name, minor string) []string {
	a := facts().Addons[name]
	if a == nil {
		return nil
	}
	var out []string
	for _, v := range a.Versions {
		if slices.Contains(v.Kubernetes, minor) {
			out = append(out, v.Version)
		}
	}
	return out
}

// Default returns the version of the add-on gen installs on Kubernetes
// minor when the environment names none: the one AWS marks as the default
// for that minor, else the newest that supports it. ok is false when no
// version supports it.
func Default(name, minor string) (version string, ok bool) {
	a := facts().Addons[name]
	if a == nil {
		return "", false
	}
	for _, v := range a.Versions {
		if slices.Contains(v.DefaultFor, minor) {
			return v.Version, true
		}
	}
	if vs := Versions(name, minor); len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// Compatible reports whether version of the add-on supports Kubernetes
// minor.
func Compatible(name, version, minor string) bool {
	return slices.Contains(Versions(name, minor), version)
}
