package loadgen

import "time"

// StartCPU returns a function that gives the CPU time the process has used
// since StartCPU was called: 0 where the system does not tell it (see
// CPUTime).
func StartCPU() func() time.Duration {
	start, ok := CPUTime()
	return func() time.Duration {
		end, endOK := CPUTime()
		if !ok || !endOK {
			return 0
		}
		return end - start
	}
}
