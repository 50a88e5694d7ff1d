//go:build !unix

package loadgen

import "time"

// CPUTime is the CPU time the process has used so far, and whether the
// system tells it: not here.
func CPUTime() (time.Duration, bool) { return 0, false }
