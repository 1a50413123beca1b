package check

import (
	"fmt"
	"strconv"
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

// ranges writes increasing numbers with runs shortened: "2", "2 and 3",
// "2, 4 and 6-9".
func ranges(nums []int64) string {
	var parts []string
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, fmt.Sprintf("%d-%d", nums[i], nums[j]))
		case j > i:
			parts = append(parts, strconv.FormatInt(nums[i], 10), strconv.FormatInt(nums[j], 10))
		default:
			parts = append(parts, strconv.FormatInt(nums[i], 10))
		}
		i = j + 1
	}
	return and(parts)
}
