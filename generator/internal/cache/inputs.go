package cache

import (
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue/build"
)

// InputDirs returns the folders whose files make up insts, relative to
// root, slash-separated and sorted: each instance's folder and its parents
// up to the module root (CUE adds the files of the same package found
// there), and the same for every instance they import, transitively.
// Folders outside root, such as CUE's module cache, are left out: their
// content is fixed by the versions in cue.mod/module.cue, which is listed
// as "cue.mod".
//
// A cache keyed on the files of these folders sees every edit that can
// change what insts evaluate to, including a new file in one of them.
func InputDirs(root string, insts []*build.Instance) []string {
	seen := map[*build.Instance]bool{}
	dirs := map[string]bool{"cue.mod": true}
	var visit func(inst *build.Instance)
	visit = func(inst *build.Instance) {
		if inst == nil || seen[inst] {
			return
		}
		seen[inst] = true
		for d := inst.Dir; d != ""; d = filepath.Dir(d) {
			rel, err := filepath.Rel(root, d)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				break
			}
			dirs[filepath.ToSlash(rel)] = true
			if d == inst.Root || rel == "." || d == filepath.Dir(d) {
				break
			}
		}
		for _, imp := range inst.Imports {
			visit(imp)
		}
	}
	for _, inst := range insts {
		visit(inst)
	}
	out := make([]string, 0, len(dirs))
	for d := range dirs {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}
