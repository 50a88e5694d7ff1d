package bench

import (
	"strings"
	"testing"
)

func TestCPUModelFromInfo(t *testing.T) {
	for _, c := range []struct{ info, want string }{
		{"processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n", "Intel(R) Xeon(R) Processor"},
		{"processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\n", "Arm Neoverse N1 (AWS Graviton2)"},
		{"CPU implementer\t: 0x61\nCPU part\t: 0x033\n", "Apple (part 0x033)"},
		{"CPU implementer\t: 0x51\nCPU part\t: 0x801\n", "arm64 CPU implementer 0x51 part 0x801"},
		{"garbage", ""},
	} {
		if got := cpuModelFromInfo(c.info); got != c.want {
			t.Errorf("cpuModelFromInfo(%q) = %q, want %q", c.info, got, c.want)
		}
	}
}

func TestThisMachine(t *testing.T) {
	m := ThisMachine()
	s := m.String()
	for _, part := range []string{"cpu: ", m.Kernel, m.Go, m.Platform} {
		if part == "" || !strings.Contains(s, part) {
			t.Errorf("machine line %q lacks %q", s, part)
		}
	}
}
