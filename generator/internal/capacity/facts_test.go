package capacity

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// TestFacts checks that the embedded tables parse and hang together.
func TestFacts(t *testing.T) {
	f := facts()
	if f.aws.Date != "2026-11-21" || f.kube.Date != f.aws.Date {
		t.Errorf("dates = %q and %q, want both 2026-11-21", f.aws.Date, f.kube.Date)
	}
	if f.aws.HoursPerMonth != 730 {
		t.Errorf("hoursPerMonth = %d, want 730", f.aws.HoursPerMonth)
	}
	regions := slices.Sorted(maps.Keys(f.aws.Regions))
	if want := []string{"ap-south-1", "eu-west-1", "us-east-1"}; !slices.Equal(regions, want) {
		t.Errorf("regions = %v, want %v", regions, want)
	}
	for name, r := range f.aws.Regions {
		for _, vt := range []string{"gp3", "gp2", "io1", "io2", "st1", "sc1"} {
			if r.EBSPerGiBMonth[vt] <= 0 {
				t.Errorf("region %s has no EBS price for %s", name, vt)
			}
		}
		if r.NLBPerHour <= 0 {
			t.Errorf("region %s has no NLB price", name)
		}
	}
	want := []string{
		"c5.2xlarge", "c5.large", "c5.xlarge", "c6i.2xlarge", "c6i.large", "c6i.xlarge",
		"m5.2xlarge", "m5.large", "m5.xlarge", "m6i.2xlarge", "m6i.large", "m6i.xlarge",
		"r5.large", "r5.xlarge",
		"t3.2xlarge", "t3.large", "t3.medium", "t3.xlarge", "t3a.large", "t3a.medium", "t3a.xlarge",
	}
	if got := slices.Sorted(maps.Keys(f.aws.Instances)); !slices.Equal(got, want) {
		t.Errorf("instance types = %v, want %v", got, want)
	}
	for name, i := range f.aws.Instances {
		for _, r := range regions {
			if i.OnDemandPerHour[r] <= 0 {
				t.Errorf("%s has no price in %s", name, r)
			}
		}
		if i.VCPU <= 0 || i.MemoryMiB <= 0 || i.ENIs <= 0 || i.IPv4PerENI <= 1 {
			t.Errorf("%s has incomplete specs: %+v", name, *i)
		}
	}
	if got := f.aws.Instances["t3.medium"].OnDemandPerHour["ap-south-1"]; got != 0.0448 {
		t.Errorf("t3.medium in ap-south-1 = $%v/h, want $0.0448/h", got)
	}
	for v, row := range f.kube.EKS {
		released, std, ext := day(row.Released), day(row.EndOfStandardSupport), day(row.EndOfExtendedSupport)
		if !released.Before(std) || !std.Before(ext) {
			t.Errorf("EKS %s: released %s, standard until %s, extended until %s are out of order", v, row.Released, row.EndOfStandardSupport, row.EndOfExtendedSupport)
		}
	}
	if oldest, newest := CalendarRange(); oldest != 28 || newest != 36 {
		t.Errorf("calendar = 1.%d to 1.%d, want 1.28 to 1.36", oldest, newest)
	}
	for key, r := range f.kube.RemovedAPIs {
		if _, ok := MinorVersion(r.RemovedIn); !ok || r.Use == "" {
			t.Errorf("removedAPIs[%s] = %+v, want a version and a replacement", key, r)
		}
	}
}

// TestMaxPods checks the ENI formula against the VPC CNI's
// eni-max-pods.txt for every type in the table.
func TestMaxPods(t *testing.T) {
	// From awslabs/amazon-eks-ami nodeadm/internal/kubelet/eni-max-pods.txt.
	want := map[string]int{
		"t3.medium": 17, // not 35, as seed 003 says: 35 is t3.large
		"t3.large":  35, "t3.xlarge": 58, "t3.2xlarge": 58,
		"t3a.medium": 17, "t3a.large": 35, "t3a.xlarge": 58,
		"m5.large": 29, "m5.xlarge": 58, "m5.2xlarge": 58,
		"m6i.large": 29, "m6i.xlarge": 58, "m6i.2xlarge": 58,
		"c5.large": 29, "c5.xlarge": 58, "c5.2xlarge": 58,
		"c6i.large": 29, "c6i.xlarge": 58, "c6i.2xlarge": 58,
		"r5.large": 29, "r5.xlarge": 58,
	}
	for name, i := range facts().aws.Instances {
		if got := i.MaxPods(); got != want[name] {
			t.Errorf("%s.MaxPods() = %d, want %d", name, got, want[name])
		}
	}
}

func TestKubeReservedCPU(t *testing.T) {
	for vcpu, want := range map[int]int64{1: 60, 2: 70, 4: 80, 8: 90, 16: 110} {
		if got := kubeReservedCPU(vcpu); got != want {
			t.Errorf("kubeReservedCPU(%d) = %dm, want %dm", vcpu, got, want)
		}
	}
}

// TestEphemeralAllocatable pins the ephemeral storage of a root volume:
// the volume less nodefs.available 10% and kube-reserved 1Gi.
func TestEphemeralAllocatable(t *testing.T) {
	for _, tt := range []struct {
		volumeGiB int
		want      int64
	}{
		{20, 17 * GiB},
		{80, 71 * GiB},
		{25, 25*GiB - 25*GiB/10 - GiB}, // 21.5Gi
		{1, 0},                         // reserved and threshold take it all
	} {
		if got := EphemeralAllocatable(tt.volumeGiB); got != tt.want {
			t.Errorf("EphemeralAllocatable(%d) = %d, want %d", tt.volumeGiB, got, tt.want)
		}
	}
}

// TestAllocatable pins what the formula of data/README.md gives:
// t3.medium allocates 1930m and 3246Mi (3.17Gi) to pods.
func TestAllocatable(t *testing.T) {
	for _, tt := range []struct {
		typ  string
		want Resources
	}{
		// 4096Mi × 0.925 = 3788Mi; − (11 × 17 + 255) − 100 = 3246Mi.
		{"t3.medium", Resources{CPU: 1930, Memory: 3246 * MiB, Pods: 17}},
		// 8192Mi × 0.925 = 7577Mi; − (11 × 29 + 255) − 100 = 6903Mi.
		{"m5.large", Resources{CPU: 1930, Memory: 6903 * MiB, Pods: 29}},
		// 7577Mi − (11 × 58 + 255) − 100 = 6584Mi.
		{"c5.xlarge", Resources{CPU: 3920, Memory: 6584 * MiB, Pods: 58}},
		{"m5.2xlarge", Resources{CPU: 7910, Memory: (30310 - 893 - 100) * MiB, Pods: 58}},
	} {
		i, ok := LookupInstance(tt.typ)
		if !ok {
			t.Fatalf("LookupInstance(%s) not found", tt.typ)
		}
		if got := i.Allocatable(); got != tt.want {
			t.Errorf("%s.Allocatable() = %+v, want %+v", tt.typ, got, tt.want)
		}
	}
}

func TestSupport(t *testing.T) {
	date := func(s string) time.Time { return day(s) }
	for _, tt := range []struct {
		version, today, want string
	}{
		{"1.35", "2026-11-21", SupportStandard},
		{"1.31", "2026-11-21", SupportExtended},
		{"1.31", "2026-11-26", SupportEnded}, // support ends at the start of the day
		{"1.30", "2026-11-21", SupportEnded},
		{"1.27", "2026-11-21", SupportEnded}, // older than the calendar
		{"1.37", "2026-11-21", SupportUnknown},
		{"1.32", "2026-03-22", SupportStandard},
		{"1.32", "2026-03-23", SupportExtended},
	} {
		if got, _ := Support(tt.version, date(tt.today)); got != tt.want {
			t.Errorf("Support(%s, %s) = %s, want %s", tt.version, tt.today, got, tt.want)
		}
	}
	if got := OldestInStandardSupport(date("2026-11-21")); got != "1.34" {
		t.Errorf("OldestInStandardSupport(2026-11-21) = %s, want 1.34", got)
	}
}

func TestRemovedAPI(t *testing.T) {
	for _, tt := range []struct {
		apiVersion, kind, want string
	}{
		{"policy/v1beta1", "PodDisruptionBudget", "1.25"},
		{"batch/v1beta1", "CronJob", "1.25"},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"},
		{"flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29"},
		{"flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "1.32"},
		{"policy/v1", "PodDisruptionBudget", ""},
		{"autoscaling/v2", "HorizontalPodAutoscaler", ""},
	} {
		r, _ := RemovedAPI(tt.apiVersion, tt.kind)
		if r.RemovedIn != tt.want {
			t.Errorf("RemovedAPI(%s, %s) = %q, want %q", tt.apiVersion, tt.kind, r.RemovedIn, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{FormatCPU(0), "0"},
		{FormatCPU(250), "250m"},
		{FormatCPU(1930), "1.93"},
		{FormatCPU(2635), "2.63"}, // rounded half to even by strconv, for tables
		{FormatCPU(-250), "-250m"},
		{ExactCPU(2635), "2635m"},
		{ExactCPU(3000), "3"},
		{ExactCPU(1930), "1.93"},
		{FormatMemory(512 * MiB), "512Mi"},
		{FormatMemory(3246 * MiB), "3.17Gi"},
		{ExactMemory(3246 * MiB), "3246Mi"},
		{ExactMemory(2 * GiB), "2Gi"},
		{ExactMemory(100_000_000), "100000000"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
