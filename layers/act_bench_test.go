package layers

import (
	"math"
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

func TestPositiveMask(t *testing.T) {
	for _, c := range []struct {
		v    float32
		want uint32
	}{{1, ^uint32(0)}, {1e-30, ^uint32(0)}, {0, 0}, {float32(math.Copysign(0, -1)), 0}, {-1e-30, 0}, {-3, 0}} {
		if got := positive(c.v); got != c.want {
			t.Errorf("positive(%g) = %x, want %x", c.v, got, c.want)
		}
	}
}
