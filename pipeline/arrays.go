package pipeline

import (
	"math"
	"strconv"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/tensor"
)

// hasArrays says whether the data is NumPy arrays (Source.X, or a
// .npy/.npz Source.Data).
func (d *settings) hasArrays() bool {
	return d.X != "" || (d.Data != "" && isNumpy(d.Data))
}

// inputRank is the rank (batch axis included) a 2-D x is read as: the
// caller's Source.Rank, else the rank of the stored per-sample shape, else
// 3 (a channel axis of 1 is added, as for a Conv1D's (samples, steps, 1)).
func inputRank(d *settings, p *Pipeline) int {
	switch {
	case d.Rank > 0:
		return d.Rank
	case p.XShape != nil:
		return len(p.XShape) + 1
	}
	return 3
}

// keepTwoDims undoes data.SplitXY's channel axis when the model reads 2-D
// input (an Embedding's token ids, a Dense layer's features): x is then
// the array as it was saved.
func keepTwoDims(xy *data.XY, arrays []*npy.Array) {
	for _, a := range arrays {
		if a.Name == xy.XName && a.Tensor.Rank() == 2 {
			xy.X = a.Tensor
			return
		}
	}
}

// perStep says whether y (N, steps), steps > 1, holds one target per
// sample and step (y of a per-step classifier, whose output is (N, steps,
// classes)).
func perStep(y *tensor.Tensor) bool {
	return len(y.Shape) == 2 && y.Shape[1] > 1
}

// classTargetLike is classTarget for y's shape: a per-step y (N, steps)
// gives (N, steps) class indices for the sparse loss, (N, steps, 1) for
// binary cross-entropy.
func classTargetLike(task string, idx, y *tensor.Tensor) *tensor.Tensor {
	if !perStep(y) {
		return classTarget(task, idx)
	}
	if task == TaskBinary {
		return tensor.FromSlice(idx.Data, y.Shape[0], y.Shape[1], 1)
	}
	return tensor.FromSlice(idx.Data, y.Shape[0], y.Shape[1])
}

// readTokens reads a text model's input given as arrays: x the token ids
// (rows, sequence length) the model was trained on, y (to evaluate) the
// class indices 0…C-1 in the order of the model's classes. Nothing is
// vectorized: the arrays are the model's input already.
func readTokens(d *settings, p *Pipeline, target bool) (*Batch, error) {
	x, y, _, report, err := readArrays(d, target, 2)
	if err != nil {
		return nil, err
	}
	if x.Rank() != 2 {
		return nil, inputErr("x has shape %s: a text model reads token ids of shape (rows, tokens)", tensor.ShapeString(x.Shape, false))
	}
	if L := p.Vectorizer.OutputSequenceLength; L > 0 && x.Shape[1] != L {
		return nil, inputErr("x has %d tokens per row, but the model was trained on sequences of %d tokens: pad or cut the rows to %d", x.Shape[1], L, L)
	}
	vocab := p.Vectorizer.VocabularySize()
	for i, v := range x.Data {
		if v < 0 || int(v) >= vocab || v != float32(math.Trunc(float64(v))) {
			return nil, inputErr("x[%d, %d] is %g: token ids are whole numbers from 0 to %d (the vocabulary's size - 1)", i/x.Shape[1], i%x.Shape[1], v, vocab-1)
		}
	}
	ds := &Batch{X: x, RowName: "index", Report: report}
	for i := 0; i < x.Shape[0]; i++ {
		ds.Rows = append(ds.Rows, strconv.Itoa(i))
	}
	if !target {
		return ds, nil
	}
	if len(y.Data) != x.Shape[0] {
		return nil, inputErr("y has shape %s: with token ids in Source.X, y holds one class index per row, (%d,)", tensor.ShapeString(y.Shape, false), x.Shape[0])
	}
	nc := p.numClasses()
	for i, v := range y.Data {
		if v < 0 || int(v) >= nc || v != float32(math.Trunc(float64(v))) {
			return nil, inputErr("y[%d] is %g: with token ids in Source.X, y holds class indices 0 to %d (%s)", i, v, nc-1, shortList(p.Classes(), 5))
		}
	}
	ds.Y = classTarget(p.Task, tensor.FromSlice(y.Data, len(y.Data)))
	return ds, nil
}
