package checkpoint_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/internal/loadgen"
)

// BenchmarkLoadW2 loads the W2 benchmark's text model (an Embedding of
// 20000×128, a Conv1D of 128 filters, a Dense), as every `seqnet serve`
// reload and every `seqnet predict` does. Besides wall time it reports the
// process's CPU time per load (cpu-ms/op), steadier than wall time on a
// shared machine.
//
//	go test ./checkpoint -run '^$' -bench LoadW2 -benchtime 20x
func BenchmarkLoadW2(b *testing.B) {
	path, _, err := loadgen.W2Model(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := checkpoint.Load(path); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
