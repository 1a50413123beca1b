package check

import (
	"fmt"
	"strings"
)

// and joins words as English does: "a", "a and b", "a, b and c".
func and(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// count formats a number of things: "1 pod", "3 pods".
func count(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// formatPercent formats a percentage without decimals, e.g. "85%".
func formatPercent(p float64) string { return fmt.Sprintf("%.0f%%", p) }
