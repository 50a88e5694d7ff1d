package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// Initializer fills a new weight (Keras initializers).
type Initializer interface {
	Fill(t *tensor.Tensor, rng *rand.Rand)
	// Name is the Keras identifier ("glorot_uniform", "zeros", …).
	Name() string
}

type initFunc struct {
	name string
	fill func(t *tensor.Tensor, rng *rand.Rand)
}

func (f initFunc) Fill(t *tensor.Tensor, rng *rand.Rand) { f.fill(t, rng) }
func (f initFunc) Name() string                          { return f.name }

// fans computes fan_in and fan_out as Keras' compute_fans does: for a
// kernel (k1, …, in, out) the receptive field is the product of the
// leading axes.
func fans(shape []int) (fanIn, fanOut float64) {
	switch len(shape) {
	case 0:
		return 1, 1
	case 1:
		return float64(shape[0]), float64(shape[0])
	case 2:
		return float64(shape[0]), float64(shape[1])
	}
	rf := 1
	for _, d := range shape[:len(shape)-2] {
		rf *= d
	}
	return float64(shape[len(shape)-2] * rf), float64(shape[len(shape)-1] * rf)
}

func uniform(t *tensor.Tensor, rng *rand.Rand, limit float64) {
	for i := range t.Data {
		t.Data[i] = float32((rng.Float64()*2 - 1) * limit)
	}
}

// truncNormal draws from a normal truncated at two standard deviations,
// as Keras' truncated_normal does.
func truncNormal(t *tensor.Tensor, rng *rand.Rand, std float64) {
	for i := range t.Data {
		for {
			v := rng.NormFloat64()
			if v >= -2 && v <= 2 {
				t.Data[i] = float32(v * std)
				break
			}
		}
	}
}

// Constant returns an initializer that fills every element with v.
func Constant(v float32) Initializer {
	return initFunc{fmt.Sprintf("constant(%g)", v), func(t *tensor.Tensor, _ *rand.Rand) {
		for i := range t.Data {
			t.Data[i] = v
		}
	}}
}

// RandomUniform fills with values drawn uniformly from [lo, hi).
func RandomUniform(lo, hi float64) Initializer {
	return initFunc{"random_uniform", func(t *tensor.Tensor, rng *rand.Rand) {
		for i := range t.Data {
			t.Data[i] = float32(lo + rng.Float64()*(hi-lo))
		}
	}}
}

var initializers = map[string]Initializer{
	"zeros": initFunc{"zeros", Constant(0).Fill},
	"ones":  initFunc{"ones", Constant(1).Fill},
	"glorot_uniform": initFunc{"glorot_uniform", func(t *tensor.Tensor, rng *rand.Rand) {
		in, out := fans(t.Shape)
		uniform(t, rng, math.Sqrt(6/(in+out)))
	}},
	"glorot_normal": initFunc{"glorot_normal", func(t *tensor.Tensor, rng *rand.Rand) {
		in, out := fans(t.Shape)
		truncNormal(t, rng, math.Sqrt(2/(in+out))/.87962566103423978)
	}},
	"he_uniform": initFunc{"he_uniform", func(t *tensor.Tensor, rng *rand.Rand) {
		in, _ := fans(t.Shape)
		uniform(t, rng, math.Sqrt(6/in))
	}},
	"he_normal": initFunc{"he_normal", func(t *tensor.Tensor, rng *rand.Rand) {
		in, _ := fans(t.Shape)
		truncNormal(t, rng, math.Sqrt(2/in)/.87962566103423978)
	}},
	"lecun_uniform": initFunc{"lecun_uniform", func(t *tensor.Tensor, rng *rand.Rand) {
		in, _ := fans(t.Shape)
		uniform(t, rng, math.Sqrt(3/in))
	}},
	// Keras' "uniform" / RandomUniform default range, used by Embedding.
	"uniform": initFunc{"uniform", func(t *tensor.Tensor, rng *rand.Rand) { uniform(t, rng, 0.05) }},
	"random_uniform": initFunc{"random_uniform", func(t *tensor.Tensor, rng *rand.Rand) {
		uniform(t, rng, 0.05)
	}},
	"random_normal": initFunc{"random_normal", func(t *tensor.Tensor, rng *rand.Rand) {
		for i := range t.Data {
			t.Data[i] = float32(rng.NormFloat64() * 0.05)
		}
	}},
	"orthogonal": initFunc{"orthogonal", orthogonal},
}

// orthogonal fills a 2-D (or flattened to 2-D) weight with an orthogonal
// matrix by Gram–Schmidt on a random normal one (Keras' Orthogonal, gain 1).
func orthogonal(t *tensor.Tensor, rng *rand.Rand) {
	rows := 1
	for _, d := range t.Shape[:len(t.Shape)-1] {
		rows *= d
	}
	cols := t.Shape[len(t.Shape)-1]
	// Orthonormalise along the longer side.
	n, m := rows, cols
	trans := rows < cols
	if trans {
		n, m = cols, rows
	}
	q := make([]float64, n*m) // m vectors of length n, stored column-wise q[i*m+j]
	for j := 0; j < m; j++ {
		for {
			for i := 0; i < n; i++ {
				q[i*m+j] = rng.NormFloat64()
			}
			for p := 0; p < j; p++ {
				var dot float64
				for i := 0; i < n; i++ {
					dot += q[i*m+j] * q[i*m+p]
				}
				for i := 0; i < n; i++ {
					q[i*m+j] -= dot * q[i*m+p]
				}
			}
			var norm float64
			for i := 0; i < n; i++ {
				norm += q[i*m+j] * q[i*m+j]
			}
			norm = math.Sqrt(norm)
			if norm > 1e-6 {
				for i := 0; i < n; i++ {
					q[i*m+j] /= norm
				}
				break
			}
		}
	}
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			if trans {
				t.Data[r*cols+c] = float32(q[c*m+r])
			} else {
				t.Data[r*cols+c] = float32(q[r*m+c])
			}
		}
	}
}

// GetInitializer looks up a Keras initializer by name.
func GetInitializer(name string) (Initializer, error) {
	if in, ok := initializers[strings.ToLower(name)]; ok {
		return in, nil
	}
	return nil, fmt.Errorf("unknown initializer %q: expected one of zeros, ones, glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, uniform, random_uniform, random_normal, orthogonal", name)
}

// MustInitializer is GetInitializer for names known to exist.
func MustInitializer(name string) Initializer {
	in, err := GetInitializer(name)
	if err != nil {
		panic(err)
	}
	return in
}
