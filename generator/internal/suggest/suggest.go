// Package suggest finds the name a mistyped one was likely meant to be,
// for the "did you mean" of gen's errors.
package suggest

// Closest returns the candidate nearest to word, as a likely typo of it:
// the one with the fewest single-character edits, if that is at most a
// third of word's length (at least 1); "" when none is that near. Ties go
// to the first candidate.
func Closest(word string, candidates []string) string {
	best, bestDist := "", max(1, len([]rune(word))/3)+1
	for _, c := range candidates {
		if d := EditDistance(word, c); d < bestDist && c != word {
			best, bestDist = c, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b.
func EditDistance(a, b string) int {
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
