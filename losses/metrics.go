package losses

import (
	"fmt"
	"math"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// Metric is a figure reported during training. Like Keras' metrics it is
// averaged over all samples of an epoch, not over batches.
type Metric interface {
	// Name is the key in the History ("accuracy", "mae", …).
	Name() string
	// Measure returns the sum of the metric over the batch's samples and
	// how many samples (weights) that sum covers.
	Measure(yTrue, yPred *tensor.Tensor) (sum, count float64)
}

// ShapeChecker is implemented by metrics that can say, before any batch,
// whether targets of shape yTrue (batch first) fit predictions of
// per-sample shape yPred. Fit and Evaluate call it.
type ShapeChecker interface {
	Check(yTrue, yPred []int) error
}

// CheckMetric checks a metric's shapes when it is a ShapeChecker.
func CheckMetric(m Metric, yTrue, yPred []int) error {
	if c, ok := m.(ShapeChecker); ok {
		return c.Check(yTrue, yPred)
	}
	return nil
}

type metricFunc struct {
	name    string
	kind    string // which accuracy, for tests and messages
	measure func(yTrue, yPred *tensor.Tensor) (float64, float64)
	// targets is how many target values one sample of predictions of
	// this per-sample shape needs.
	targets func(yPred []int) int
}

func (m metricFunc) Name() string { return m.name }
func (m metricFunc) Measure(yTrue, yPred *tensor.Tensor) (float64, float64) {
	return m.measure(yTrue, yPred)
}

// Check says whether the targets hold the values the metric reads.
func (m metricFunc) Check(yTrue, yPred []int) error {
	if len(yTrue) == 0 || len(yPred) == 0 {
		return nil
	}
	if want := m.targets(yPred); tensor.Size(yTrue[1:]) != want {
		hint := "one target value per prediction value"
		if m.kind == "sparse" {
			hint = "one class index per prediction row"
		}
		return fmt.Errorf("metric %s: targets of shape %s do not fit predictions of shape %s (%s): choose a metric for this task (accuracy for class indices, mae or mse for values)",
			m.name, tensor.ShapeString(yTrue, false), batchShape(yTrue[0], yPred), hint)
	}
	return nil
}

// sameSize is the targets a value-by-value metric needs: one per value.
func sameSize(yPred []int) int { return tensor.Size(yPred) }

// elementMean averages f over all elements: with equal-sized samples this
// equals Keras' mean of per-sample means.
func elementMean(name string, f func(t, p float64) float64) Metric {
	return metricFunc{name: name, kind: name, targets: sameSize, measure: func(yTrue, yPred *tensor.Tensor) (float64, float64) {
		var s float64
		for i, p := range yPred.Data {
			s += f(float64(yTrue.Data[i]), float64(p))
		}
		per := float64(len(yPred.Data)) / float64(yPred.Shape[0])
		return s / per, float64(yPred.Shape[0])
	}}
}

// BinaryAccuracy counts predictions on the same side of 0.5 as the target.
func BinaryAccuracy() Metric {
	m := elementMean("accuracy", func(t, p float64) float64 {
		if (p > 0.5) == (t > 0.5) {
			return 1
		}
		return 0
	}).(metricFunc)
	m.kind = "binary"
	return m
}

func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// rowAccuracy compares the argmax of each prediction row with the class
// each target row names; categorical and sparse differ only in how the
// target names it.
func rowAccuracy(kind string, class func(yTrue *tensor.Tensor, r, classes int) int) Metric {
	targets := sameSize
	if kind == "sparse" {
		targets = func(yPred []int) int { return tensor.Size(yPred) / yPred[len(yPred)-1] }
	}
	return metricFunc{name: "accuracy", kind: kind, targets: targets, measure: func(yTrue, yPred *tensor.Tensor) (float64, float64) {
		classes := yPred.Shape[len(yPred.Shape)-1]
		rows := len(yPred.Data) / classes
		var hits float64
		for r := 0; r < rows; r++ {
			if argmax(yPred.Data[r*classes:(r+1)*classes]) == class(yTrue, r, classes) {
				hits++
			}
		}
		per := float64(rows) / float64(yPred.Shape[0])
		return hits / per, float64(yPred.Shape[0])
	}}
}

// CategoricalAccuracy compares argmaxes of one-hot targets and predictions.
func CategoricalAccuracy() Metric {
	return rowAccuracy("categorical", func(y *tensor.Tensor, r, classes int) int {
		return argmax(y.Data[r*classes : (r+1)*classes])
	})
}

// SparseCategoricalAccuracy compares class indices with prediction argmaxes.
func SparseCategoricalAccuracy() Metric {
	return rowAccuracy("sparse", func(y *tensor.Tensor, r, _ int) int { return int(y.Data[r]) })
}

// GetMetric returns a metric by Keras name. "accuracy" (or "acc") is
// resolved as Keras does: binary for binary_crossentropy, categorical for
// categorical_crossentropy, sparse for sparse_categorical_crossentropy,
// and otherwise from the shapes (one output value: binary; targets with
// one value per row of several classes: sparse; else categorical).
func GetMetric(name string, loss Loss, yTrue, yPred []int) (Metric, error) {
	switch strings.ToLower(name) {
	case "accuracy", "acc":
		lossName := ""
		if loss != nil {
			lossName = loss.Name()
		}
		switch {
		case lossName == "binary_crossentropy":
			return BinaryAccuracy(), nil
		case lossName == "categorical_crossentropy":
			return CategoricalAccuracy(), nil
		case lossName == "sparse_categorical_crossentropy":
			return SparseCategoricalAccuracy(), nil
		case yPred[len(yPred)-1] == 1:
			return BinaryAccuracy(), nil
		case tensor.Size(yTrue) == tensor.Size(yPred)/yPred[len(yPred)-1]:
			return SparseCategoricalAccuracy(), nil
		}
		return CategoricalAccuracy(), nil
	case "mae", "mean_absolute_error":
		return elementMean("mae", func(t, p float64) float64 { return math.Abs(p - t) }), nil
	case "mse", "mean_squared_error":
		return elementMean("mse", func(t, p float64) float64 { return (p - t) * (p - t) }), nil
	}
	return nil, fmt.Errorf("unknown metric %q: expected accuracy, mae or mse", name)
}
