package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

func benchTrain(b *testing.B, m *model.Model, x, y *tensor.Tensor) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.TrainOnBatch(x, y); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*x.Shape[0])/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkW3 is torch_bench.py's W3 timeseries-train step.
func BenchmarkW3(b *testing.B) {
	m, x, y, err := timeseriesTask()
	if err != nil {
		b.Fatal(err)
	}
	benchTrain(b, m, x, y)
}

// BenchmarkW2 is torch_bench.py's W2 textcnn-train step.
func BenchmarkW2(b *testing.B) {
	m, err := textCNN(256)
	if err != nil {
		b.Fatal(err)
	}
	x, y := randTokens(rand.New(rand.NewPCG(1, 1)), 64, 256, 20000)
	benchTrain(b, m, x, y)
}

// BenchmarkW2b is torch_bench.py's W2b kimcnn-train step.
func BenchmarkW2b(b *testing.B) {
	m, err := kimCNN(256)
	if err != nil {
		b.Fatal(err)
	}
	x, y := randTokens(rand.New(rand.NewPCG(1, 1)), 64, 256, 20000)
	benchTrain(b, m, x, y)
}

// BenchmarkW5Latency is torch_bench.py's W5 batch-1 inference.
func BenchmarkW5Latency(b *testing.B) {
	m, err := textCNN(256)
	if err != nil {
		b.Fatal(err)
	}
	x, _ := randTokens(rand.New(rand.NewPCG(1, 1)), 1, 256, 20000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Predict(x, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkW5Batch is torch_bench.py's W5 batch-256 inference.
func BenchmarkW5Batch(b *testing.B) {
	m, err := textCNN(256)
	if err != nil {
		b.Fatal(err)
	}
	x, _ := randTokens(rand.New(rand.NewPCG(1, 1)), 256, 256, 20000)
	for b.Loop() {
		if _, err := m.Predict(x, 256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "samples/s")
}
