package pipeline

import (
	"fmt"

	"github.com/seqnet/seqnet/tensor"
)

// Prediction is one sample's model output decoded for people.
type Prediction struct {
	// Row names the sample (see Batch.Rows).
	Row string
	// Label is a classifier's most probable class, and Probabilities the
	// probability of each class, in Classes order.
	Label         string
	Probabilities []float64
	// Values are a regression model's outputs in the data's units (the
	// target scaler undone), in OutputNames order.
	Values []float64
}

// OutputNames names the k values per sample of a regression model (or a
// model without preprocessing): the target columns, or output_0, output_1,
// … when they are not known.
func (p *Pipeline) OutputNames(k int) []string {
	if len(p.Outputs) == k {
		return p.Outputs
	}
	names := make([]string, k)
	for j := range names {
		names[j] = fmt.Sprintf("output_%d", j)
	}
	return names
}

// Decode turns the model's outputs y (N, k) for N samples named rows into
// predictions: for a classifier the label and the probability of each class
// (a binary model's single sigmoid output is P(Classes[1]); a two-unit
// softmax gives both), for regression
// the values in the data's units. rows may be nil.
func (p *Pipeline) Decode(y *tensor.Tensor, rows []string) ([]Prediction, error) {
	if y.Rank() < 1 {
		return nil, fmt.Errorf("pipeline: Decode: the model output is a scalar, expected (samples, outputs)")
	}
	n := y.Shape[0]
	if rows != nil && len(rows) != n {
		return nil, fmt.Errorf("pipeline: Decode: %d row names for %d samples", len(rows), n)
	}
	k := 1
	if y.Rank() > 1 {
		k = tensor.Size(y.Shape[1:])
	}
	out := make([]Prediction, n)
	for i := range out {
		if rows != nil {
			out[i].Row = rows[i]
		}
	}
	switch p.Task {
	case TaskBinary, TaskMulticlass:
		nc := p.numClasses()
		// A binary model gives P(Classes[1]) (a sigmoid), or one
		// probability per class (a two-unit softmax).
		sigmoid := p.Task == TaskBinary && k == 1
		if !sigmoid && k != nc {
			return nil, fmt.Errorf("the model gives %d outputs per sample but its label map has %d classes", k, nc)
		}
		for i := range out {
			probs := make([]float64, nc)
			if sigmoid {
				v := float64(y.Data[i])
				probs[0], probs[1] = 1-v, v
			} else {
				for j := range probs {
					probs[j] = float64(y.Data[i*k+j])
				}
			}
			best := 0
			for j, v := range probs {
				if v > probs[best] {
					best = j
				}
			}
			out[i].Probabilities, out[i].Label = probs, p.ClassName(best)
		}
		return out, nil
	}
	vals := append([]float32(nil), y.Data[:n*k]...)
	if sc := p.OutputScaler(); sc != nil {
		if err := sc.InverseValues(p.Outputs, vals); err != nil {
			return nil, err
		}
	}
	for i := range out {
		row := make([]float64, k)
		for j := range row {
			row[j] = float64(vals[i*k+j])
		}
		out[i].Values = row
	}
	return out, nil
}
