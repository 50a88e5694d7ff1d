package onnx

import (
	"math"
	"slices"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// axesOf reads a reduction's or (un)squeeze's axes: the attribute (older
// opsets) or input 1.
func (im *importer) axesOf(a map[string]*pb.AttributeProto, inputIdx int) ([]int64, error) {
	if ax := aInts(a, "axes"); ax != nil {
		return ax, nil
	}
	if v := im.in(inputIdx); v != nil {
		if v.c == nil {
			return nil, im.errf("axes must be a constant")
		}
		return v.c.ints(), nil
	}
	return nil, nil
}

func normAxis(a int64, rank int) int {
	if a < 0 {
		a += int64(rank)
	}
	return int(a)
}

func (im *importer) shapeOp() error {
	if _, err := im.attrs(); err != nil {
		return err
	}
	d, err := im.needDyn(0)
	if err != nil {
		return err
	}
	s := []int64{-1}
	for _, n := range d.onnxDims() {
		s = append(s, int64(n))
	}
	im.set(0, &val{shape: s})
	return nil
}

func (im *importer) constantOfShape() error {
	a, err := im.attrs("value")
	if err != nil {
		return err
	}
	if v := a["value"]; v != nil {
		c, err := decodeTensor(v.GetT())
		if err != nil {
			return im.errf("%v", err)
		}
		for _, x := range c.data {
			if x != 0 {
				return im.errf("attribute \"value\" is %v: only zero states (torch's default initial h and c) are supported", x)
			}
		}
	}
	im.set(0, &val{zeros: true})
	return nil
}

func (im *importer) gather() error {
	a, err := im.attrs("axis")
	if err != nil {
		return err
	}
	axis := aInt(a, "axis", 0)
	data, err := im.need(0)
	if err != nil {
		return err
	}
	idx, err := im.need(1)
	if err != nil {
		return err
	}
	switch {
	case data.c != nil && idx.d != nil:
		return im.embedding(data.c, idx.d, axis)
	case data.shape != nil && idx.c != nil:
		var s []int64
		for _, i := range idx.c.ints() {
			j := normAxis(i, len(data.shape))
			if j < 0 || j >= len(data.shape) {
				return im.errf("index %d is out of range for a shape of rank %d", i, len(data.shape))
			}
			s = append(s, data.shape[j])
		}
		im.set(0, &val{shape: s})
		return nil
	case data.zeros:
		im.set(0, data)
		return nil
	case data.d != nil && idx.c != nil:
		return im.gatherDyn(data.d, idx.c, axis)
	}
	return im.errf("this Gather (of a %s by a %s) is not supported", kindOf(data), kindOf(idx))
}

func kindOf(v *val) string {
	switch {
	case v.c != nil:
		return "constant"
	case v.d != nil:
		return "model tensor"
	case v.shape != nil:
		return "shape"
	case v.zeros:
		return "zero state"
	}
	return "pattern " + v.p.kind
}

func (im *importer) embedding(w *constT, ids *dyn, axis int64) error {
	if axis != 0 {
		return im.errf("attribute axis=%d: an embedding lookup gathers rows (axis 0)", axis)
	}
	if len(w.shape) != 2 {
		return im.errf("the table has shape %v: an Embedding needs a 2-D (vocabulary, dims) table", w.shape)
	}
	t, err := im.plain(ids, "Gather")
	if err != nil {
		return err
	}
	if !ids.ints || len(t.Shape) != 1 {
		return im.errf("the indices must be (batch, steps) integers, e.g. the model input")
	}
	e := layers.NewEmbedding(w.shape[0], w.shape[1])
	y, err := im.apply1(e, t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{e, [][]float32{w.floats()}})
	im.gathers[e] = im.node.GetName()
	d := simple(y, t)
	d.embs = []*layers.Embedding{e}
	im.setDyn(d)
	return nil
}

// gatherDyn picks a direction of a stack of recurrent outputs, or one step
// of a sequence.
func (im *importer) gatherDyn(x *dyn, idx *constT, axis int64) error {
	ax := normAxis(axis, x.rank())
	if len(idx.data) != 1 {
		return im.errf("gathering %d indices from a model tensor is not supported (one index only)", len(idx.data))
	}
	i := int(idx.data[0])
	if ax == x.stack {
		if i < 0 {
			i += len(x.parts)
		}
		if i < 0 || i >= len(x.parts) {
			return im.errf("index %d is out of range for %d stacked tensors", int(idx.data[0]), len(x.parts))
		}
		y := *x
		y.parts = []*model.Tensor{x.parts[i]}
		if len(idx.shape) == 0 {
			y.stack = -1
		}
		im.setDyn(&y)
		return nil
	}
	t, err := im.plain(x, "Gather")
	if err != nil {
		return err
	}
	if ax < 0 || ax >= len(x.perm) || x.perm[ax] != 1 || len(t.Shape) != 2 || len(idx.shape) != 0 {
		return im.errf("only one step of a (batch, steps, channels) sequence can be gathered (axis %d here)", axis)
	}
	steps := t.Shape[0]
	if i < 0 {
		i += steps
	}
	if i < 0 || i >= steps {
		return im.errf("step %d is out of range for %d steps", int(idx.data[0]), steps)
	}
	c, err := im.apply1(layers.NewCropping1D(i, steps-1-i), t)
	if err != nil {
		return err
	}
	y, err := im.apply1(layers.NewReshape(t.Shape[1]), c)
	if err != nil {
		return err
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: dropAxis(x.perm, ax)})
	return nil
}

func (im *importer) squeezeOp(unsqueeze bool) error {
	a, err := im.attrs("axes")
	if err != nil {
		return err
	}
	axes, err := im.axesOf(a, 1)
	if err != nil {
		return err
	}
	v, err := im.need(0)
	if err != nil {
		return err
	}
	switch {
	case v.shape != nil || v.zeros:
		im.set(0, v)
		return nil
	case v.c != nil:
		im.set(0, &val{c: squeezeConst(v.c, unsqueeze, len(axes))})
		return nil
	case v.p != nil && v.p.kind == "mask" && unsqueeze && len(axes) == 1 && normAxis(axes[0], 3) == 2:
		im.set(0, &val{p: &pat{kind: "mask3", ids: v.p.ids}})
		return nil
	case v.p != nil && v.p.kind == "matmul":
		d, err := im.tensor(v)
		if err != nil {
			return im.errf("%v", err)
		}
		v = &val{d: d}
	}
	if v.d == nil {
		return im.errf("(un)squeezing a %s is not supported", kindOf(v))
	}
	x := v.d
	if unsqueeze {
		im.set(0, &val{p: &pat{kind: "unsq", x: v, axes: axes}})
		return nil
	}
	return im.squeezeAxis(x, axes[0], len(axes))
}

// squeezeConst (un)squeezes a constant: nAxes leading 1s on Unsqueeze,
// none left on Squeeze.
func squeezeConst(v *constT, unsqueeze bool, nAxes int) *constT {
	// Only the element count matters for the constants read here
	// (indices, shapes, scalars): keep the data, adjust the rank.
	c := *v
	c.shape = nil
	for _, d := range v.shape {
		if d != 1 {
			c.shape = append(c.shape, d)
		}
	}
	if unsqueeze {
		for range nAxes {
			c.shape = append([]int{1}, c.shape...)
		}
	}
	return &c
}

// squeezeAxis reads Squeeze of axis (nAxes axes given) of x.
func (im *importer) squeezeAxis(x *dyn, axis int64, nAxes int) error {
	if nAxes != 1 {
		return im.errf("squeezing %d axes at once is not supported", nAxes)
	}
	ax := normAxis(axis, x.rank())
	if ax == x.stack {
		if len(x.parts) != 1 {
			return im.errf("axis %d holds %d stacked tensors, not 1", ax, len(x.parts))
		}
		y := *x
		y.stack = -1
		im.setDyn(&y)
		return nil
	}
	t, err := im.plain(x, "Squeeze")
	if err != nil {
		return err
	}
	if ax <= 0 || ax >= len(x.perm) {
		return im.errf("axis %d cannot be squeezed", axis)
	}
	s := x.perm[ax]
	full := append([]int{-1}, t.Shape...)
	if full[s] != 1 {
		return im.errf("axis %d has size %d, not 1", axis, full[s])
	}
	shape := append(append([]int(nil), full[1:s]...), full[s+1:]...)
	y, err := im.apply1(layers.NewReshape(shape...), t)
	if err != nil {
		return err
	}
	var perm []int
	for j, p := range x.perm {
		if j == ax {
			continue
		}
		if p > s {
			p--
		}
		perm = append(perm, p)
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: perm})
	return nil
}

func (im *importer) concat() error {
	a, err := im.attrs("axis")
	if err != nil {
		return err
	}
	axis := aInt(a, "axis", 0)
	var vs []*val
	for i := range im.node.GetInput() {
		v, err := im.need(i)
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	if slices.ContainsFunc(vs, func(v *val) bool { return v.shape != nil }) {
		return im.concatShape(vs)
	}
	var ds []*dyn
	for i, v := range vs {
		d, err := im.tensor(v)
		if err != nil {
			return im.errf("input %d: %v", i, err)
		}
		ds = append(ds, d)
	}
	ax := normAxis(axis, ds[0].rank())
	if ds[0].stack >= 0 && ax == ds[0].stack {
		y := *ds[0]
		y.parts = nil
		for _, d := range ds {
			if d.stack != ds[0].stack || !slices.Equal(d.perm, ds[0].perm) || d.rev != ds[0].rev {
				return im.errf("the stacked inputs differ in layout")
			}
			y.parts = append(y.parts, d.parts...)
		}
		im.setDyn(&y)
		return nil
	}
	var ts []*model.Tensor
	for _, d := range ds {
		t, err := im.plain(d, "Concat")
		if err != nil {
			return err
		}
		if !slices.Equal(d.perm, ds[0].perm) {
			return im.errf("the inputs have different axis orders")
		}
		ts = append(ts, t)
	}
	ids, embs := mergedMask(ds)
	if ax <= 0 || ax >= len(ds[0].perm) {
		return im.errf("concatenating along axis %d is not supported", axis)
	}
	y, err := im.apply1(layers.NewConcatenate(ds[0].perm[ax]), ts...)
	if err != nil {
		return err
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: ds[0].perm, ids: ids, embs: embs})
	return nil
}

// concatShape reads a Concat that builds a shape (for a Reshape) from
// Shape outputs and constants.
func (im *importer) concatShape(vs []*val) error {
	var s []int64
	for _, v := range vs {
		switch {
		case v.shape != nil:
			s = append(s, v.shape...)
		case v.c != nil:
			s = append(s, v.c.ints()...)
		default:
			return im.errf("a shape built from a %s is not supported", kindOf(v))
		}
	}
	im.set(0, &val{shape: s})
	return nil
}

func (im *importer) slice() error {
	if _, err := im.attrs(); err != nil {
		return err
	}
	v, err := im.need(0)
	if err != nil {
		return err
	}
	if v.zeros {
		im.set(0, v)
		return nil
	}
	var cs [4]*constT
	for i := 1; i <= 4; i++ {
		if im.in(i) == nil {
			continue
		}
		if cs[i-1], err = im.needConst(i); err != nil {
			return err
		}
	}
	if cs[0] == nil || cs[1] == nil || len(cs[0].data) != 1 || len(cs[1].data) != 1 {
		return im.errf("only slices of one axis with constant starts and ends are supported")
	}
	x, err := im.tensor(v)
	if err != nil {
		return im.errf("%v", err)
	}
	axis, step := int64(0), int64(1)
	if cs[2] != nil {
		axis = cs[2].ints()[0]
	}
	if cs[3] != nil {
		step = cs[3].ints()[0]
	}
	ax := normAxis(axis, x.rank())
	if ax < 0 || ax >= x.rank() || ax == x.stack {
		return im.errf("slicing axis %d is not supported", axis)
	}
	dims := append([]int{-1}, x.onnxDims()...)
	n := int64(dims[ax])
	start, end := cs[0].ints()[0], cs[1].ints()[0]
	clamp := func(v, lo, hi int64) int64 { return max(lo, min(hi, v)) }
	j := ax
	if x.stack >= 0 && ax > x.stack {
		j--
	}
	if step == -1 {
		return im.reverseSlice(x, j, start, end, n)
	}
	if step != 1 {
		return im.errf("steps of %d are not supported", step)
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = clamp(start, 0, n), clamp(end, 0, n)
	t, err := im.plain(x, "Slice")
	if err != nil {
		return err
	}
	if x.perm[j] != 1 || len(t.Shape) != 2 || end <= start {
		return im.errf("only a slice of the steps axis of a (batch, steps, channels) sequence is supported")
	}
	y, err := im.apply1(layers.NewCropping1D(int(start), int(n-end)), t)
	if err != nil {
		return err
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: x.perm})
	return nil
}

// reverseSlice reads a Slice of step -1: only the full reversal of the
// steps axis (x's axis j, of n steps), which flips x's reading order.
func (im *importer) reverseSlice(x *dyn, j int, start, end, n int64) error {
	clamp := func(v, lo, hi int64) int64 { return max(lo, min(hi, v)) }
	if start < 0 {
		start += n
	}
	if clamp(start, -1, n-1) != n-1 || end > -n-1+n && end != -1-n && end >= 0 {
		if !(end <= -n-1 || end == math.MinInt64) {
			return im.errf("only a full reversal (step -1 over all steps) is supported")
		}
	}
	if x.perm[j] != 1 {
		return im.errf("only the steps axis can be reversed")
	}
	y := *x
	y.rev = !x.rev
	im.setDyn(&y)
	return nil
}

func (im *importer) transpose() error {
	a, err := im.attrs("perm")
	if err != nil {
		return err
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	p := aInts(a, "perm")
	r := x.rank()
	if p == nil {
		for i := r - 1; i >= 0; i-- {
			p = append(p, int64(i))
		}
	}
	if len(p) != r {
		return im.errf("attribute perm %v has %d axes, the input has %d", p, len(p), r)
	}
	if x.reorder != nil {
		return im.errf("transposing a reordered flat tensor is not supported")
	}
	// old ONNX axis → seqnet axis, or -1 for the stack axis
	old := make([]int, r)
	j := 0
	for i := 0; i < r; i++ {
		if i == x.stack {
			old[i] = -1
			continue
		}
		old[i] = x.perm[j]
		j++
	}
	y := *x
	y.stack = -1
	y.perm = nil
	seen := make([]bool, r)
	for i, q := range p {
		if q < 0 || int(q) >= r || seen[q] {
			return im.errf("attribute perm %v is not a permutation", p)
		}
		seen[q] = true
		if old[q] < 0 {
			y.stack = i
			continue
		}
		y.perm = append(y.perm, old[q])
	}
	if y.perm[0] != 0 && y.stack != 0 {
		if len(y.perm) < 2 || y.perm[1] != 0 {
			return im.errf("the batch axis must stay first or second (time-major for recurrent operators)")
		}
	}
	im.setDyn(&y)
	return nil
}
