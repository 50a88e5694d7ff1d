//go:build !linux && !darwin

package bench

// cpuModel: this system has no place seqnet knows to read the CPU model.
func cpuModel() string { return "unknown" }
