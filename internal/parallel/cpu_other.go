//go:build !linux

package parallel

// currentCPU reports that the CPU a goroutine runs on is not known here.
func currentCPU() (int, bool) { return 0, false }
