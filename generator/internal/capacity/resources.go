package capacity

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Resources are amounts of CPU, memory, ephemeral storage and pods.
type Resources struct {
	// CPU in millicores.
	CPU int64 `json:"cpuMillicores"`
	// Memory in bytes.
	Memory int64 `json:"memoryBytes"`
	// EphemeralStorage in bytes: the node's root volume, for containers'
	// logs, writable layers and emptyDirs.
	EphemeralStorage int64 `json:"ephemeralStorageBytes"`
	// Pods is a number of pods (for capacities, how many may run).
	Pods int64 `json:"pods"`
}

// Add returns r + o.
func (r Resources) Add(o Resources) Resources {
	return Resources{CPU: r.CPU + o.CPU, Memory: r.Memory + o.Memory, EphemeralStorage: r.EphemeralStorage + o.EphemeralStorage, Pods: r.Pods + o.Pods}
}

// Sub returns r − o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{CPU: r.CPU - o.CPU, Memory: r.Memory - o.Memory, EphemeralStorage: r.EphemeralStorage - o.EphemeralStorage, Pods: r.Pods - o.Pods}
}

// Times returns r × n.
func (r Resources) Times(n int64) Resources {
	return Resources{CPU: r.CPU * n, Memory: r.Memory * n, EphemeralStorage: r.EphemeralStorage * n, Pods: r.Pods * n}
}

// CPUMem formats CPU and memory exactly, for messages: "1.93 CPU /
// 3246Mi".
func (r Resources) CPUMem() string { return ExactCPU(r.CPU) + " CPU / " + ExactMemory(r.Memory) }

// CPUMemDisk formats CPU, memory and ephemeral storage exactly, for
// messages: "1.93 CPU / 3246Mi / 17Gi ephemeral storage".
func (r Resources) CPUMemDisk() string {
	return r.CPUMem() + " / " + ExactMemory(r.EphemeralStorage) + " ephemeral storage"
}

// ExactCPU formats millicores without rounding: cores when they have at
// most two decimals ("1.93", "3"), millicores otherwise ("250m", "1775m").
func ExactCPU(m int64) string {
	if m%10 != 0 && (m >= 1000 || m <= -1000) {
		return strconv.FormatInt(m, 10) + "m"
	}
	return FormatCPU(m)
}

// ExactMemory formats bytes without rounding: whole Gi, whole Mi, or
// bytes ("2Gi", "3246Mi", "100000000").
func ExactMemory(b int64) string {
	switch {
	case b == 0:
		return "0"
	case b%GiB == 0:
		return strconv.FormatInt(b/GiB, 10) + "Gi"
	case b%MiB == 0:
		return strconv.FormatInt(b/MiB, 10) + "Mi"
	}
	return strconv.FormatInt(b, 10)
}

// FormatCPU formats millicores as Kubernetes quantities read, for
// tables: "250m" below one core, cores with up to two decimals above
// ("1.93", "2.5", "10").
func FormatCPU(m int64) string {
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

// FormatMemory formats bytes for tables: in Mi below one Gi and in Gi
// with up to two decimals above ("512Mi", "3.17Gi", "100Gi").
func FormatMemory(b int64) string {
	neg := ""
	if b < 0 {
		neg, b = "-", -b
	}
	switch {
	case b == 0:
		return "0"
	case b < GiB:
		return neg + trimZeros(strconv.FormatFloat(float64(b)/MiB, 'f', 2, 64)) + "Mi"
	}
	return neg + trimZeros(strconv.FormatFloat(float64(b)/GiB, 'f', 2, 64)) + "Gi"
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Percent returns part/whole in percent, 0 when whole is 0 (100 when part
// is positive all the same).
func Percent(part, whole int64) float64 {
	if whole <= 0 {
		if part > 0 {
			return 100
		}
		return 0
	}
	return float64(part) * 100 / float64(whole)
}

// Bytes parses a memory or storage quantity ("10Gi") into bytes; a
// quantity that does not parse counts as zero (the schema's #Quantity
// reports it).
func Bytes(quantity string) int64 {
	q, err := resource.ParseQuantity(quantity)
	if quantity == "" || err != nil {
		return 0
	}
	return q.Value()
}

// millicores parses a CPU quantity ("250m", "0.5") into millicores; a
// quantity that does not parse counts as zero.
func millicores(quantity string) int64 {
	q, err := resource.ParseQuantity(quantity)
	if quantity == "" || err != nil {
		return 0
	}
	return q.MilliValue()
}
