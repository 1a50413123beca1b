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

// closest returns the candidate nearest to word, as a likely typo of it:
// the one with the fewest single-character edits, if that is at most a
// third of word's length (at least 1); "" when none is that near. Ties go
// to the first candidate.
func closest(word string, candidates []string) string {
	best, bestDist := "", max(1, len([]rune(word))/3)+1
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist && c != word {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			sub := prev[j-1]
			if ra[i-1] != rb[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

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
