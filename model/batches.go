package model

import "github.com/seqnet/seqnet/tensor"

// Dataset is inputs and targets, one tensor per model input and output,
// samples along the first axis.
type Dataset struct {
	X, Y []*tensor.Tensor
}

// batchBuffers gathers shuffled samples into reused batch tensors.
type batchBuffers struct {
	x, y   [][]*tensor.Tensor // per input: the full-batch and last-batch tensors
	xs, ys []*tensor.Tensor   // the slices handed out, reused
}

func newBatchBuffers(d Dataset, batch int) *batchBuffers {
	return &batchBuffers{x: make([][]*tensor.Tensor, len(d.X)), y: make([][]*tensor.Tensor, len(d.Y)),
		xs: make([]*tensor.Tensor, len(d.X)), ys: make([]*tensor.Tensor, len(d.Y))}
}

func gatherInto(bufs []*tensor.Tensor, src *tensor.Tensor, idx []int) (*tensor.Tensor, []*tensor.Tensor) {
	var t *tensor.Tensor
	for _, b := range bufs {
		if b.Shape[0] == len(idx) {
			t = b
		}
	}
	if t == nil {
		t = tensor.New(append([]int{len(idx)}, src.Shape[1:]...)...)
		bufs = append(bufs, t)
	}
	inner := len(src.Data) / src.Shape[0]
	for i, j := range idx {
		copy(t.Data[i*inner:(i+1)*inner], src.Data[j*inner:(j+1)*inner])
	}
	return t, bufs
}

func (b *batchBuffers) gather(d Dataset, idx []int) (xs, ys []*tensor.Tensor) {
	xs, ys = b.xs, b.ys
	for i, x := range d.X {
		xs[i], b.x[i] = gatherInto(b.x[i], x, idx)
	}
	for i, y := range d.Y {
		ys[i], b.y[i] = gatherInto(b.y[i], y, idx)
	}
	return xs, ys
}

func sliceData(d Dataset, lo, hi int) Dataset {
	var r Dataset
	for _, x := range d.X {
		r.X = append(r.X, x.Rows(lo, hi))
	}
	for _, y := range d.Y {
		r.Y = append(r.Y, y.Rows(lo, hi))
	}
	return r
}
