//go:build unix

package loadgen

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user and system) the process has used so far,
// and whether the system tells it.
func CPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
