package parallel

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFromBackFollowsTheCPU pins this goroutine's thread to CPU 0, then 1,
// and checks that currentCPU says so and that fromBack sends a goroutine
// on CPU 0 to the front and one on CPU 1 to the back, whether it is the
// caller or a worker.
func TestFromBackFollowsTheCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var saved unix.CPUSet
	if err := unix.SchedGetaffinity(0, &saved); err != nil {
		t.Skipf("sched_getaffinity: %v", err)
	}
	defer unix.SchedSetaffinity(0, &saved)
	for cpu := 0; cpu < 2; cpu++ {
		if !saved.IsSet(cpu) {
			t.Logf("CPU %d is not available to this process", cpu)
			continue
		}
		var one unix.CPUSet
		one.Set(cpu)
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			t.Skipf("sched_setaffinity: %v", err)
		}
		got, ok := currentCPU()
		if !ok || got != cpu {
			t.Fatalf("pinned to CPU %d, currentCPU says %d, %v", cpu, got, ok)
		}
		for _, worker := range []bool{false, true} {
			if back := fromBack(worker); back != (cpu == 1) {
				t.Errorf("on CPU %d, worker %v: fromBack = %v, want %v", cpu, worker, back, cpu == 1)
			}
		}
	}
}
