package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// mirrorsFlag collects --mirror host=mirror values.
type mirrorsFlag map[string]string

func (f mirrorsFlag) Type() string { return "host=mirror" }

func (f mirrorsFlag) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		parts = append(parts, k+"="+f[k])
	}
	return strings.Join(parts, ",")
}

func (f mirrorsFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		host, mirror, ok := strings.Cut(part, "=")
		if !ok || host == "" || mirror == "" || strings.ContainsAny(host, "/ ") {
			return fmt.Errorf("%q is not host=mirror (e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com=127.0.0.1:5000)", part)
		}
		f[host] = mirror
	}
	return nil
}
