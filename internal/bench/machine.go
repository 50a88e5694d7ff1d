package bench

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/seqnet/seqnet/internal/kernels"
)

// Machine says what a measurement ran on, for the header of seqnet bench:
// the CPU model, its vector features that matter to the kernels, the
// kernel in use (avx512, avx2, neon or generic), the Go version and
// platform. Figures from different machines are not comparable; this line
// says which machine each came from.
type Machine struct {
	CPU      string   `json:"cpu"`
	Features []string `json:"cpu_features"`
	Kernel   string   `json:"kernel"`
	Go       string   `json:"go"`
	Platform string   `json:"platform"`
}

// ThisMachine describes the running machine.
func ThisMachine() Machine {
	return Machine{CPU: cpuModel(), Features: kernels.CPUFeatures(), Kernel: kernels.Impl(),
		Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

func (m Machine) String() string {
	feats := strings.Join(m.Features, " ")
	if feats == "" {
		feats = "none"
	}
	return fmt.Sprintf("cpu: %s (%d cores); vector features: %s; kernel: %s; %s %s",
		m.CPU, runtime.NumCPU(), feats, m.Kernel, m.Go, m.Platform)
}

// cpuModelFromInfo picks the CPU model out of Linux's /proc/cpuinfo: the
// "model name" of x86, or on arm64 the implementer and part numbers,
// named for the common server and Apple cores.
func cpuModelFromInfo(info string) string {
	fields := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := fields[k]; !seen {
			fields[k] = v
		}
	}
	if m := fields["model name"]; m != "" {
		return m
	}
	impl, part := fields["CPU implementer"], fields["CPU part"]
	if impl == "" {
		return ""
	}
	names := map[string]string{
		"0x41/0xd0c": "Arm Neoverse N1 (AWS Graviton2)",
		"0x41/0xd40": "Arm Neoverse V1 (AWS Graviton3)",
		"0x41/0xd4f": "Arm Neoverse V2 (AWS Graviton4)",
		"0x41/0xd49": "Arm Neoverse N2",
		"0x41/0xd0b": "Arm Cortex-A76",
		"0x41/0xd08": "Arm Cortex-A72",
		"0x41/0xd03": "Arm Cortex-A53",
		"0xc0/0xac3": "Ampere One",
	}
	if n, ok := names[impl+"/"+part]; ok {
		return n
	}
	if impl == "0x61" {
		return "Apple (part " + part + ")"
	}
	return "arm64 CPU implementer " + impl + " part " + part
}
