package bench

import "os"

// cpuModel reads the CPU model from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	if m := cpuModelFromInfo(string(b)); m != "" {
		return m
	}
	return "unknown"
}
