package bench

import (
	"testing"

	"github.com/seqnet/seqnet/internal/tutorial"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// BenchmarkW1TrainStep times one training step of the tutorial's first
// experiment (compare with torch_bench.py's W1 blog-toy-a).
func BenchmarkW1TrainStep(b *testing.B) {
	e := tutorial.Experiments()[0]
	m, err := model.NewSequential(layers.Input(4, 1), layers.NewConv1D(1, 2, layers.NoBias()))
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.05, LossName: "mae"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.TrainOnBatch(e.X, e.Y); err != nil {
			b.Fatal(err)
		}
	}
}
