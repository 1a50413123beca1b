package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// Resources are amounts of CPU, memory and pods.
type Resources struct {
	// CPU in millicores.
	CPU int64 `json:"cpuMillicores"`
	// Memory in bytes.
	Memory int64 `json:"memoryBytes"`
	// Pods is a number of pods (for capacities, how many may run).
	Pods int64 `json:"pods"`
}

// Add returns r + o.
func (r Resources) Add(o Resources) Resources {
	return Resources{CPU: r.CPU + o.CPU, Memory: r.Memory + o.Memory, Pods: r.Pods + o.Pods}
}

// Sub returns r − o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{CPU: r.CPU - o.CPU, Memory: r.Memory - o.Memory, Pods: r.Pods - o.Pods}
}

// Times returns r × n.
func (r Resources) Times(n int64) Resources {
	return Resources{CPU: r.CPU * n, Memory: r.Memory * n, Pods: r.Pods * n}
}

// cpuMem formats CPU and memory exactly, for messages: "1.93 CPU /
// 3246Mi".
func (r Resources) cpuMem() string { return exactCPU(r.CPU) + " CPU / " + exactMemory(r.Memory) }

// exactCPU formats millicores without rounding: cores when they have at
// most two decimals ("1.93", "3"), millicores otherwise ("250m", "1775m").
func exactCPU(m int64) string {
	if m%10 != 0 && (m >= 1000 || m <= -1000) {
		return strconv.FormatInt(m, 10) + "m"
	}
	return formatCPU(m)
}

// exactMemory formats bytes without rounding: whole Gi, whole Mi, or
// bytes ("2Gi", "3246Mi", "100000000").
func exactMemory(b int64) string {
	switch {
	case b == 0:
		return "0"
	case b%gib == 0:
		return strconv.FormatInt(b/gib, 10) + "Gi"
	case b%mib == 0:
		return strconv.FormatInt(b/mib, 10) + "Mi"
	}
	return strconv.FormatInt(b, 10)
}

// formatCPU formats millicores as Kubernetes quantities read: "250m"
// below one core, cores with up to two decimals above ("1.93", "2.5",
// "10").
func formatCPU(m int64) string {
	neg := ""
	if m < 0 {
		neg, m = "-", -m
	}
	switch {
	case m == 0:
		return "0"
	case m < 1000:
		return neg + strconv.FormatInt(m, 10) + "m"
	}
	return neg + trimZeros(strconv.FormatFloat(float64(m)/1000, 'f', 2, 64))
}

// formatMemory formats bytes in Mi below one Gi and in Gi with up to two
// decimals above ("512Mi", "3.17Gi", "100Gi").
func formatMemory(b int64) string {
	neg := ""
	if b < 0 {
		neg, b = "-", -b
	}
	switch {
	case b == 0:
		return "0"
	case b < gib:
		return neg + trimZeros(strconv.FormatFloat(float64(b)/mib, 'f', 2, 64)) + "Mi"
	}
	return neg + trimZeros(strconv.FormatFloat(float64(b)/gib, 'f', 2, 64)) + "Gi"
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// percent returns part/whole in percent, 0 when whole is 0.
func percent(part, whole int64) float64 {
	if whole <= 0 {
		if part > 0 {
			return 100
		}
		return 0
	}
	return float64(part) * 100 / float64(whole)
}

// formatPercent formats a percentage without decimals, e.g. "85%".
func formatPercent(p float64) string { return fmt.Sprintf("%.0f%%", p) }

// span formats a range, "3-10", or "3" when both ends are equal.
func span[T int | int64](lo, hi T) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

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
