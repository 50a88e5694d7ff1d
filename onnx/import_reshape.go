package onnx

import (
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// flat flattens x in ONNX's axis order: a Flatten layer, with the element
// order recorded when it differs from seqnet's.
func (im *importer) flat(x *dyn) error {
	t, err := im.plain(x, im.node.GetOpType())
	if err != nil {
		return err
	}
	if len(t.Shape) == 1 && x.identity() {
		im.setDyn(x)
		return nil
	}
	y, err := im.apply1(layers.NewFlatten(), t)
	if err != nil {
		return err
	}
	d := simple(y, nil)
	if !x.identity() {
		d.reorder = &flatOrder{full: append([]int{-1}, t.Shape...), dims: x.onnxDims(), perm: x.perm}
	}
	im.setDyn(d)
	return nil
}

// flatOrder records a Flatten in ONNX's axis order of a tensor whose axes
// are not in seqnet's: the next Dense layer reorders its weight rows.
type flatOrder struct {
	full []int // seqnet's shape, batch axis first (-1)
	dims []int // ONNX's per-sample shape
	perm []int // ONNX axis → seqnet axis
}

// rows returns, for each of ONNX's flat elements, seqnet's flat index.
// It is called only once a Dense weight of that many rows has been read,
// so the size is bounded by the file.
func (f *flatOrder) rows() []int {
	strides := make([]int, len(f.full)) // seqnet strides per seqnet axis
	s := 1
	for k := len(f.full) - 1; k >= 1; k-- {
		strides[k] = s
		s *= f.full[k]
	}
	n := 1
	for _, v := range f.dims {
		n *= v
	}
	out := make([]int, n)
	idx := make([]int, len(f.dims))
	for i := 0; i < n; i++ {
		off := 0
		for k, v := range idx {
			off += v * strides[f.perm[k+1]]
		}
		out[i] = off
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < f.dims[k] {
				break
			}
			idx[k] = 0
		}
	}
	return out
}

func (im *importer) flatten() error {
	a, err := im.attrs("axis")
	if err != nil {
		return err
	}
	if aInt(a, "axis", 1) != 1 {
		return im.errf("attribute axis=%d: only axis=1 (keep the batch axis) is supported", aInt(a, "axis", 1))
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	return im.flat(x)
}

func (im *importer) reshape() error {
	a, err := im.attrs("allowzero")
	if err != nil {
		return err
	}
	if aInt(a, "allowzero", 0) != 0 {
		return im.errf("attribute allowzero=1 is not supported")
	}
	v, err := im.need(0)
	if err != nil {
		return err
	}
	sc, err := im.needConst(1)
	if err != nil {
		return err
	}
	shape := sc.ints()
	if len(shape) == 0 || (shape[0] != 0 && shape[0] != -1) {
		return im.errf("the target shape %v must keep the batch axis first (0 or -1)", shape)
	}
	if v.p != nil && v.p.kind == "tile" {
		return im.upsample(v.p, shape)
	}
	x, err := im.tensor(v)
	if err != nil {
		return im.errf("%v", err)
	}
	dims := x.onnxDims()
	target := make([]int, 0, len(shape)-1)
	for i, s := range shape[1:] {
		switch {
		case s == 0 && i < len(dims):
			target = append(target, dims[i])
		case s == -1 && shape[0] != -1:
			target = append(target, -1)
		case s > 0 && s <= maxElements:
			target = append(target, int(s))
		default:
			return im.errf("the target shape %v is not supported", shape)
		}
	}
	if x.stack >= 0 {
		// (…, directions, units) → (…, directions·units): the two
		// directions side by side, a Concatenate.
		r := x.rank()
		last := len(x.parts[0].Shape)
		if x.stack != r-2 || len(target) != r-2 || x.rev || x.perm[len(x.perm)-1] != last {
			return im.errf("only merging the directions axis with the units axis is supported for stacked recurrent outputs")
		}
		y, err := im.apply1(layers.NewConcatenate(-1), x.parts...)
		if err != nil {
			return err
		}
		im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: x.perm, ids: x.ids, embs: x.embs})
		return nil
	}
	if len(target) == 1 {
		return im.flat(x)
	}
	t, err := im.plain(x, "Reshape")
	if err != nil {
		return err
	}
	if !x.identity() {
		return im.errf("reshaping a tensor whose axes are not in seqnet's order is not supported (only flattening is)")
	}
	y, err := im.apply1(layers.NewReshape(target...), t)
	if err != nil {
		return err
	}
	im.setDyn(simple(y, nil))
	return nil
}

// upsample reads Unsqueeze(2) → Tile(1,1,s,1) → Reshape(0, steps·s, c).
func (im *importer) upsample(p *pat, shape []int64) error {
	x, err := im.tensor(p.x)
	if err != nil {
		return im.errf("%v", err)
	}
	t, err := im.plain(x, "Reshape")
	if err != nil {
		return err
	}
	if !x.identity() || len(t.Shape) != 2 || len(p.axes) != 1 || normAxis(p.axes[0], 4) != 2 || len(p.reps) != 4 ||
		p.reps[0] != 1 || p.reps[1] != 1 || p.reps[3] != 1 || p.reps[2] < 1 || len(shape) != 3 ||
		shape[1] != int64(t.Shape[0])*p.reps[2] || (shape[2] != int64(t.Shape[1]) && shape[2] != -1) {
		return im.errf("only the UpSampling1D idiom (Unsqueeze axis 2, Tile (1,1,s,1), Reshape) is supported")
	}
	y, err := im.apply1(layers.NewUpSampling1D(int(p.reps[2])), t)
	if err != nil {
		return err
	}
	im.setDyn(simple(y, nil))
	return nil
}

func (im *importer) pad() error {
	a, err := im.attrs("mode")
	if err != nil {
		return err
	}
	if m := aString(a, "mode", "constant"); m != "constant" {
		return im.errf("attribute mode=%s: only constant (zero) padding is supported", m)
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	pc, err := im.needConst(1)
	if err != nil {
		return err
	}
	if cv := im.in(2); cv != nil && (cv.c == nil || !isScalar(cv.c, 0, 0)) {
		return im.errf("only padding with zeros is supported")
	}
	if im.in(3) != nil {
		return im.errf("the axes input is not supported")
	}
	pads := pc.ints()
	r := x.rank()
	if len(pads) != 2*r {
		return im.errf("pads %v: expected %d values for rank %d", pads, 2*r, r)
	}
	t, err := im.plain(x, "Pad")
	if err != nil {
		return err
	}
	left, right := int64(0), int64(0)
	for i := 0; i < r; i++ {
		if pads[i] == 0 && pads[r+i] == 0 {
			continue
		}
		if x.perm[i] != 1 || len(t.Shape) != 2 || pads[i] < 0 || pads[r+i] < 0 {
			return im.errf("pads %v: only zero padding of the steps axis is supported", pads)
		}
		left, right = pads[i], pads[r+i]
	}
	if left == 0 && right == 0 {
		im.setDyn(x)
		return nil
	}
	y, err := im.apply1(layers.NewZeroPadding1D(int(left), int(right)), t)
	if err != nil {
		return err
	}
	d := *x
	d.parts, d.ids, d.embs, d.rnn = []*model.Tensor{y}, nil, nil, nil
	im.setDyn(&d)
	return nil
}
