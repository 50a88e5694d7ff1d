package layers

import (
	"fmt"
	"github.com/seqnet/seqnet/internal/kernels"
	"math"
	"sort"
	"strings"
)

// Activation is an element-wise (or, for softmax, last-axis) function with
// its derivative, as in keras.activations.
type Activation struct {
	Name string
	// Forward writes f(z) into y; n is the size of the last axis (softmax
	// normalises over it).
	Forward func(z, y []float32, n int)
	// Backward writes dL/dz into dz given z, y = f(z) and dy = dL/dy.
	Backward func(z, y, dy, dz []float32, n int)
}

func elementwise(name string, f func(z float64) float64, df func(z, y float64) float64) *Activation {
	return &Activation{
		Name: name,
		Forward: func(z, y []float32, _ int) {
			for i, v := range z {
				y[i] = float32(f(float64(v)))
			}
		},
		Backward: func(z, y, dy, dz []float32, _ int) {
			for i := range dz {
				dz[i] = dy[i] * float32(df(float64(z[i]), float64(y[i])))
			}
		},
	}
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// SELU constants from Klambauer et al., as in Keras.
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

// leakyReluSlope is keras.activations.leaky_relu's default negative_slope.
const leakyReluSlope = 0.2

var activations = map[string]*Activation{
	"linear": {
		Name:     "linear",
		Forward:  func(z, y []float32, _ int) { copy(y, z) },
		Backward: func(_, _, dy, dz []float32, _ int) { copy(dz, dy) },
	},
	"relu": {
		Name: "relu",
		// The AVX loops of internal/kernels: the sign of a pre-activation is
		// a coin toss, and a branch on it mispredicts half the time.
		Forward: func(z, y []float32, _ int) {
			copy(y, z)
			kernels.Relu(y[:len(z)])
		},
		Backward: func(z, _, dy, dz []float32, _ int) {
			kernels.ReluGrad(dz[:len(z)], dy[:len(z)], z)
		},
	},
	"sigmoid": elementwise("sigmoid", sigmoid, func(_, y float64) float64 { return y * (1 - y) }),
	"tanh":    elementwise("tanh", math.Tanh, func(_, y float64) float64 { return 1 - y*y }),
	"elu": elementwise("elu",
		func(z float64) float64 {
			if z > 0 {
				return z
			}
			return math.Expm1(z)
		},
		func(z, y float64) float64 {
			if z > 0 {
				return 1
			}
			return y + 1
		}),
	"selu": elementwise("selu",
		func(z float64) float64 {
			if z > 0 {
				return seluScale * z
			}
			return seluScale * seluAlpha * math.Expm1(z)
		},
		func(z, _ float64) float64 {
			if z > 0 {
				return seluScale
			}
			return seluScale * seluAlpha * math.Exp(z)
		}),
	// Keras 3's gelu defaults to approximate=False: the exact erf form.
	"gelu": elementwise("gelu",
		func(z float64) float64 { return 0.5 * z * (1 + math.Erf(z/math.Sqrt2)) },
		func(z, _ float64) float64 {
			return 0.5*(1+math.Erf(z/math.Sqrt2)) + z*math.Exp(-z*z/2)/math.Sqrt(2*math.Pi)
		}),
	"softplus": elementwise("softplus",
		func(z float64) float64 {
			if z > 30 {
				return z
			}
			return math.Log1p(math.Exp(z))
		},
		func(z, _ float64) float64 { return sigmoid(z) }),
	"swish": elementwise("swish",
		func(z float64) float64 { return z * sigmoid(z) },
		func(z, _ float64) float64 { s := sigmoid(z); return s + z*s*(1-s) }),
	"leaky_relu": elementwise("leaky_relu",
		func(z float64) float64 {
			if z > 0 {
				return z
			}
			return leakyReluSlope * z
		},
		func(z, _ float64) float64 {
			if z > 0 {
				return 1
			}
			return leakyReluSlope
		}),
	// Keras 3's hard_sigmoid is relu6(x+3)/6 = clip(x/6 + 1/2, 0, 1);
	// Keras 2 used clip(0.2x + 0.5, 0, 1), so an LSTM saved by Keras 2 with
	// recurrent_activation="hard_sigmoid" behaves slightly differently.
	"hard_sigmoid": elementwise("hard_sigmoid",
		func(z float64) float64 { return math.Min(math.Max(z/6+0.5, 0), 1) },
		func(z, _ float64) float64 {
			if z > -3 && z < 3 {
				return 1.0 / 6
			}
			return 0
		}),
	"softmax": {
		Name: "softmax",
		Forward: func(z, y []float32, n int) {
			for r := 0; r+n <= len(z); r += n {
				zr, yr := z[r:r+n], y[r:r+n]
				m := zr[0]
				for _, v := range zr {
					m = max(m, v)
				}
				var s float64
				for i, v := range zr {
					e := math.Exp(float64(v - m))
					yr[i] = float32(e)
					s += e
				}
				for i := range yr {
					yr[i] = float32(float64(yr[i]) / s)
				}
			}
		},
		Backward: func(_, y, dy, dz []float32, n int) {
			for r := 0; r+n <= len(y); r += n {
				yr, dyr, dzr := y[r:r+n], dy[r:r+n], dz[r:r+n]
				var dot float64
				for i := range yr {
					dot += float64(yr[i]) * float64(dyr[i])
				}
				for i := range yr {
					dzr[i] = yr[i] * (dyr[i] - float32(dot))
				}
			}
		},
	},
}

func init() {
	activations["silu"] = activations["swish"]
}

// GetActivation looks up an activation by its Keras name. The empty string
// and "none" mean linear, as activation=None does in Keras.
func GetActivation(name string) (*Activation, error) {
	key := strings.ToLower(name)
	if key == "" || key == "none" {
		key = "linear"
	}
	if a, ok := activations[key]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("unknown activation %q: expected one of %s", name, strings.Join(ActivationNames(), ", "))
}

// ActivationNames lists the known activations, sorted.
func ActivationNames() []string {
	names := make([]string, 0, len(activations))
	for n := range activations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
