package layers

import (
	"math/rand/v2"
	"testing"
)

func BenchmarkReluForward(b *testing.B) {
	z := make([]float32, 1<<20)
	y := make([]float32, 1<<20)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	a, _ := GetActivation("relu")
	for b.Loop() {
		a.Forward(z, y, 64)
	}
}

func BenchmarkReluBackward(b *testing.B) {
	z := make([]float32, 1<<20)
	dy := make([]float32, 1<<20)
	dz := make([]float32, 1<<20)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	a, _ := GetActivation("relu")
	for b.Loop() {
		a.Backward(z, nil, dy, dz, 64)
	}
}
