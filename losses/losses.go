// Package losses holds seqnet's losses and metrics, computed as Keras 3
// computes them: each loss is averaged over all elements (for the
// cross-entropies, over all rows of the class axis) of the batch.
package losses

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// Epsilon is Keras' backend epsilon, used to clip probabilities.
const Epsilon = 1e-7

// Loss is a training objective.
type Loss interface {
	// Name is the Keras identifier ("mae", "binary_crossentropy", …).
	Name() string
	// Check says whether targets of shape yTrue (batch first) fit
	// predictions of per-sample shape yPred (one per target sample), with
	// the fix when they do not.
	Check(yTrue, yPred []int) error
	// Compute returns the batch's mean loss and, when grad is not nil,
	// writes dLoss/dyPred into it (overwriting).
	Compute(yTrue, yPred, grad *tensor.Tensor) float64
}

// elementLoss is a loss that is the mean of a function of each
// (target, prediction) pair: mae, mse, huber, binary cross-entropy.
// Sharing the loop keeps each of them to its formula.
type elementLoss struct {
	name string
	// f returns the loss of one element and its derivative in p.
	f func(t, p float64) (loss, grad float64)
}

func (l *elementLoss) Name() string { return l.name }

func (l *elementLoss) Check(yTrue, yPred []int) error {
	if tensor.Size(yTrue) != yTrue[0]*tensor.Size(yPred) {
		return fmt.Errorf("loss %s: targets of shape %s do not match predictions of shape %s: "+
			"the model's last layer must give one value per target value",
			l.name, tensor.ShapeString(yTrue, false), batchShape(yTrue[0], yPred))
	}
	return nil
}

// batchShape prints a per-sample shape with the batch size in front.
func batchShape(n int, s []int) string {
	return tensor.ShapeString(append([]int{n}, s...), false)
}

func (l *elementLoss) Compute(yTrue, yPred, grad *tensor.Tensor) float64 {
	n := float64(len(yPred.Data))
	var sum float64
	for i, p := range yPred.Data {
		v, g := l.f(float64(yTrue.Data[i]), float64(p))
		sum += v
		if grad != nil {
			grad.Data[i] = float32(g / n)
		}
	}
	return sum / n
}

// MAE is mean absolute error. Its gradient at a zero residual is 0, as
// TensorFlow's sign(0) = 0.
func MAE() Loss {
	return &elementLoss{"mean_absolute_error", func(t, p float64) (float64, float64) {
		r := p - t
		switch {
		case r > 0:
			return r, 1
		case r < 0:
			return -r, -1
		}
		return 0, 0
	}}
}

// MSE is mean squared error.
func MSE() Loss {
	return &elementLoss{"mean_squared_error", func(t, p float64) (float64, float64) {
		r := p - t
		return r * r, 2 * r
	}}
}

// Huber is the Huber loss with the given delta (Keras default 1.0).
func Huber(delta float64) Loss {
	return &elementLoss{"huber", func(t, p float64) (float64, float64) {
		r := p - t
		if math.Abs(r) <= delta {
			return 0.5 * r * r, r
		}
		return delta * (math.Abs(r) - 0.5*delta), delta * math.Copysign(1, r)
	}}
}

// BinaryCrossentropy is Keras' binary_crossentropy. On probabilities
// (fromLogits false) they are clipped to [1e-7, 1-1e-7] and the gradient
// is 0 where clipping bites; on logits it uses the stable form
// max(z,0) - z·t + log(1+exp(-|z|)).
func BinaryCrossentropy(fromLogits bool) Loss {
	if fromLogits {
		return &elementLoss{"binary_crossentropy", func(t, z float64) (float64, float64) {
			loss := math.Max(z, 0) - z*t + math.Log1p(math.Exp(-math.Abs(z)))
			return loss, sigmoid(z) - t
		}}
	}
	return &elementLoss{"binary_crossentropy", func(t, p float64) (float64, float64) {
		q := math.Min(math.Max(p, Epsilon), 1-Epsilon)
		loss := -(t*math.Log(q) + (1-t)*math.Log(1-q))
		if p < Epsilon || p > 1-Epsilon {
			return loss, 0
		}
		return loss, -t/q + (1-t)/(1-q)
	}}
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// crossentropy covers categorical and sparse categorical cross-entropy:
// the same formula, with targets given as one-hot rows or as indices.
type crossentropy struct {
	sparse, fromLogits bool
}

// CategoricalCrossentropy is Keras' categorical_crossentropy: targets are
// one-hot (or soft) rows over the last axis. On probabilities each row is
// renormalised to sum 1 and clipped to [1e-7, 1-1e-7], as Keras does.
func CategoricalCrossentropy(fromLogits bool) Loss { return &crossentropy{false, fromLogits} }

// SparseCategoricalCrossentropy is Keras' sparse_categorical_crossentropy:
// targets are class indices, one per row of predictions.
func SparseCategoricalCrossentropy(fromLogits bool) Loss { return &crossentropy{true, fromLogits} }

func (c *crossentropy) Name() string {
	if c.sparse {
		return "sparse_categorical_crossentropy"
	}
	return "categorical_crossentropy"
}

func (c *crossentropy) Check(yTrue, yPred []int) error {
	n := yTrue[0]
	classes := yPred[len(yPred)-1]
	rows := n * tensor.Size(yPred) / classes
	if c.sparse {
		if tensor.Size(yTrue) != rows {
			return fmt.Errorf("loss %s: expected one class index per prediction row (%d rows of %d classes, predictions %s), received targets of shape %s; "+
				"for one-hot targets use categorical_crossentropy", c.Name(), rows, classes,
				batchShape(n, yPred), tensor.ShapeString(yTrue, false))
		}
		return nil
	}
	if !tensor.SameShape(yTrue[1:], yPred) {
		hint := ""
		if tensor.Size(yTrue) == rows {
			hint = "; your targets look like class indices: use sparse_categorical_crossentropy"
		}
		return fmt.Errorf("loss %s: targets of shape %s must match predictions of shape %s (one-hot rows)%s",
			c.Name(), tensor.ShapeString(yTrue, false), batchShape(n, yPred), hint)
	}
	return nil
}

// CheckLabels verifies sparse targets are valid class indices.
func CheckLabels(yTrue []float32, classes int) error {
	for i, v := range yTrue {
		if v != float32(int(v)) || v < 0 || int(v) >= classes {
			return fmt.Errorf("target %d is %g: expected a class index in [0, %d)", i, v, classes)
		}
	}
	return nil
}

func (c *crossentropy) Compute(yTrue, yPred, grad *tensor.Tensor) float64 {
	classes := yPred.Shape[len(yPred.Shape)-1]
	rows := len(yPred.Data) / classes
	var total float64
	target := func(r, j int) float64 {
		if c.sparse {
			if int(yTrue.Data[r]) == j {
				return 1
			}
			return 0
		}
		return float64(yTrue.Data[r*classes+j])
	}
	for r := 0; r < rows; r++ {
		p := yPred.Data[r*classes : (r+1)*classes]
		var tsum float64
		for j := range p {
			tsum += target(r, j)
		}
		if c.fromLogits {
			m := float64(p[0])
			for _, v := range p {
				m = math.Max(m, float64(v))
			}
			var s float64
			for _, v := range p {
				s += math.Exp(float64(v) - m)
			}
			lse := m + math.Log(s)
			for j, v := range p {
				t := target(r, j)
				total -= t * (float64(v) - lse)
				if grad != nil {
					grad.Data[r*classes+j] = float32((tsum*math.Exp(float64(v)-lse) - t) / float64(rows))
				}
			}
			continue
		}
		// On probabilities: L = -Σ t_i log clip(q_i) with q_i = p_i/S, S = Σ p.
		// Since dq_i/dp_j = (δ_ij - q_i)/S, dL/dp_j = (U - t_j/q_j·[j unclipped]) / S
		// with U = Σ t_i over unclipped i.
		var s float64
		for _, v := range p {
			s += float64(v)
		}
		unclipped := func(q float64) bool { return q >= Epsilon && q <= 1-Epsilon }
		var u float64
		for j, v := range p {
			t, q := target(r, j), float64(v)/s
			total -= t * math.Log(math.Min(math.Max(q, Epsilon), 1-Epsilon))
			if unclipped(q) {
				u += t
			}
		}
		if grad != nil {
			for j, v := range p {
				g, q := u, float64(v)/s
				if unclipped(q) {
					g -= target(r, j) / q
				}
				grad.Data[r*classes+j] = float32(g / s / float64(rows))
			}
		}
	}
	return total / float64(rows)
}

var byName = map[string]func() Loss{
	"mae":                             MAE,
	"mean_absolute_error":             MAE,
	"mse":                             MSE,
	"mean_squared_error":              MSE,
	"huber":                           func() Loss { return Huber(1) },
	"binary_crossentropy":             func() Loss { return BinaryCrossentropy(false) },
	"categorical_crossentropy":        func() Loss { return CategoricalCrossentropy(false) },
	"sparse_categorical_crossentropy": func() Loss { return SparseCategoricalCrossentropy(false) },
}

// Get returns a loss by its Keras name.
func Get(name string) (Loss, error) {
	if f, ok := byName[strings.ToLower(name)]; ok {
		return f(), nil
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown loss %q: expected one of %s", name, strings.Join(names, ", "))
}
