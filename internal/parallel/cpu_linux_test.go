package parallel

import (
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFromBackFollowsTheCPU pins this goroutine's thread to CPU 0, then 1,
// and checks that currentCPU says so and that fromBack sends a goroutine
// on CPU 0 to the front and one on CPU 1 to the back, whether it is the
// caller or a worker.
func TestFromBackFollowsTheCPU(t *testing.T) {
	onEachCPU(t, func(cpu int) {
		got, ok := currentCPU()
		if !ok || got != cpu {
			t.Fatalf("pinned to CPU %d, currentCPU says %d, %v", cpu, got, ok)
		}
		for _, worker := range []bool{false, true} {
			if back := fromBack(worker); back != (cpu == 1) {
				t.Errorf("on CPU %d, worker %v: fromBack = %v, want %v", cpu, worker, back, cpu == 1)
			}
		}
	})
}

// onEachCPU runs f(cpu) on this goroutine's thread pinned to CPU 0, then
// CPU 1 (those of them available to the process), and restores the
// thread's affinity afterwards.
func onEachCPU(t *testing.T, f func(cpu int)) {
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
		f(cpu)
	}
}

// TestPiecesSetFollowsTheCPU pins the caller's thread to CPU 0, then 1,
// and checks that the first set of pieces it runs is the front one (set
// 0) on CPU 0 and the back one on CPU 1, so that the same set of pieces
// runs on the same CPU from pass to pass; all pieces run once either way.
// A worker may take every set before the caller looks (under the race
// detector, say): such passes say nothing about the caller's choice.
func TestPiecesSetFollowsTheCPU(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	onEachCPU(t, func(cpu int) {
		caller := unix.Gettid()
		checked := 0
		for range 50 {
			var mu sync.Mutex
			first, runs := -1, make([]int, 4)
			Pieces(40, 4, func(piece, lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				runs[piece]++
				if first < 0 && unix.Gettid() == caller {
					first = piece
				}
			})
			// With 2 goroutines, set 0 is pieces 0 and 2, set 1 pieces 1 and 3.
			if first >= 0 {
				checked++
				if want := cpu; first != want {
					t.Fatalf("on CPU %d the caller's first piece was %d, want %d", cpu, first, want)
				}
			}
			for p, n := range runs {
				if n != 1 {
					t.Fatalf("on CPU %d piece %d ran %d times", cpu, p, n)
				}
			}
		}
		t.Logf("on CPU %d the caller ran pieces in %d of 50 passes", cpu, checked)
	})
}
