package pipeline

import (
	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

// classNames reads y's class labels as exact integers, from the file's
// own values: through float32, 20240101 would become 20240100, and
// 16777216 and 16777217 one class.
func classNames(y *npy.Array) ([]string, error) {
	names, err := y.IntStrings()
	if err != nil {
		return nil, inputErr("y: %v: class labels must be whole numbers (integers 0, 1, 2, … or any others); drop Options.Classes for regression", err)
	}
	return names, nil
}

// classIndices maps y's labels to the classes of labels, as (N,) indices.
func classIndices(labels *data.LabelMap, y *npy.Array) (*tensor.Tensor, error) {
	names, err := classNames(y)
	if err != nil {
		return nil, err
	}
	idx := tensor.New(len(names))
	seen := make(map[string]int, labels.Len())
	for i, n := range names {
		c, ok := seen[n]
		if !ok {
			if c, err = labels.Index(n); err != nil {
				return nil, inputErr("y[%d]: %v", i, err)
			}
			seen[n] = c
		}
		idx.Data[i] = float32(c)
	}
	return idx, nil
}
