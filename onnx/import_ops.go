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
	im.embeds[t] = append(im.embeds[t], e)
	im.setDyn(simple(y, t))
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
	perm := []int{}
	for j, p := range x.perm {
		if j == ax {
			continue
		}
		if p > 1 {
			p--
		}
		perm = append(perm, p)
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: perm})
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
		// Only the element count matters for the constants read here
		// (indices, shapes, scalars): keep the data, adjust the rank.
		c := *v.c
		c.shape = nil
		for _, d := range v.c.shape {
			if d != 1 {
				c.shape = append(c.shape, d)
			}
		}
		if unsqueeze {
			for range axes {
				c.shape = append([]int{1}, c.shape...)
			}
		}
		im.set(0, &val{c: &c})
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
	if len(axes) != 1 {
		return im.errf("squeezing %d axes at once is not supported", len(axes))
	}
	ax := normAxis(axes[0], x.rank())
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
		return im.errf("axis %d cannot be squeezed", axes[0])
	}
	s := x.perm[ax]
	full := append([]int{-1}, t.Shape...)
	if full[s] != 1 {
		return im.errf("axis %d has size %d, not 1", axes[0], full[s])
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
	anyShape := false
	for _, v := range vs {
		if v.shape != nil {
			anyShape = true
		}
	}
	if anyShape {
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
	var ids *model.Tensor
	for i, d := range ds {
		t, err := im.plain(d, "Concat")
		if err != nil {
			return err
		}
		if !slices.Equal(d.perm, ds[0].perm) {
			return im.errf("the inputs have different axis orders")
		}
		if i == 0 {
			ids = d.ids
		} else if d.ids != ids {
			ids = nil
		}
		ts = append(ts, t)
	}
	if ax <= 0 || ax >= len(ds[0].perm) {
		return im.errf("concatenating along axis %d is not supported", axis)
	}
	y, err := im.apply1(layers.NewConcatenate(ds[0].perm[ax]), ts...)
	if err != nil {
		return err
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: ds[0].perm, ids: ids})
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

// channelsFirst returns the seqnet tensor of x when x is its (batch,
// channels, steps) view.
func (im *importer) channelsFirst(x *dyn) (*model.Tensor, error) {
	t, err := im.plain(x, im.node.GetOpType())
	if err != nil {
		return nil, err
	}
	if !slices.Equal(x.perm, []int{0, 2, 1}) {
		return nil, im.errf("the input must be channels-first (batch, channels, steps); received another axis order")
	}
	return t, nil
}

func cfOut(t *model.Tensor) *dyn {
	return &dyn{parts: []*model.Tensor{t}, stack: -1, perm: []int{0, 2, 1}}
}

// kerasPadding names the Keras padding whose pads are (l, r), or "" when
// none is.
func kerasPadding(length, k, s, d int, l, r int64) string {
	for _, p := range []string{"valid", "same", "causal"} {
		if p == "causal" && s != 1 {
			continue
		}
		g, err := layers.ConvOutput(length, k, s, d, p)
		if err == nil && int64(g.PadLeft) == l && int64(g.PadRight) == r {
			return p
		}
	}
	return ""
}

func (im *importer) conv() error {
	a, err := im.attrs("kernel_shape", "strides", "dilations", "pads", "group", "auto_pad")
	if err != nil {
		return err
	}
	if ap := aString(a, "auto_pad", "NOTSET"); ap != "NOTSET" {
		return im.errf("attribute auto_pad=%s is not supported (NOTSET with explicit pads is)", ap)
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	t, err := im.channelsFirst(x)
	if err != nil {
		return err
	}
	w, err := im.needConst(1)
	if err != nil {
		return err
	}
	if len(w.shape) != 3 {
		return im.errf("the weight has shape %v: seqnet reads 1-D convolutions, (filters, in/groups, k)", w.shape)
	}
	f, inG, k := w.shape[0], w.shape[1], w.shape[2]
	one := func(name string, def int64) (int64, error) {
		v := aInts(a, name)
		if v == nil {
			return def, nil
		}
		if len(v) != 1 {
			return 0, im.errf("attribute %s=%v: a 1-D convolution takes one value", name, v)
		}
		return v[0], nil
	}
	s, err := one("strides", 1)
	if err != nil {
		return err
	}
	d, err := one("dilations", 1)
	if err != nil {
		return err
	}
	if ks := aInts(a, "kernel_shape"); ks != nil && (len(ks) != 1 || ks[0] != int64(k)) {
		return im.errf("attribute kernel_shape=%v does not match the weight's %d", ks, k)
	}
	pads := aInts(a, "pads")
	if pads == nil {
		pads = []int64{0, 0}
	}
	if len(pads) != 2 || pads[0] < 0 || pads[1] < 0 {
		return im.errf("attribute pads=%v: expected two non-negative values", pads)
	}
	g := aInt(a, "group", 1)
	if g <= 0 || s <= 0 || d <= 0 || s > maxElements || d > maxElements {
		return im.errf("attributes group, strides and dilations must be positive")
	}
	if int64(inG)*g != int64(t.Shape[1]) || int64(f)%g != 0 {
		return im.errf("the weight (%d filters, %d channels per group, group=%d) does not fit an input of %d channels", f, inG, g, t.Shape[1])
	}
	length := t.Shape[0]
	padding := kerasPadding(length, k, int(s), int(d), pads[0], pads[1])
	if padding == "" {
		if t, err = im.apply1(layers.NewZeroPadding1D(int(pads[0]), int(pads[1])), t); err != nil {
			return err
		}
		padding = "valid"
	}
	c := layers.NewConv1D(f, k, layers.Strides(int(s)), layers.DilationRate(int(d)), layers.Groups(int(g)), layers.Padding(padding))
	ws := [][]float32{make([]float32, len(w.data))}
	for fi := 0; fi < f; fi++ {
		for ci := 0; ci < inG; ci++ {
			for ti := 0; ti < k; ti++ {
				ws[0][(ti*inG+ci)*f+fi] = float32(w.data[(fi*inG+ci)*k+ti])
			}
		}
	}
	if b := im.in(2); b != nil {
		if b.c == nil || len(b.c.data) != f {
			return im.errf("the bias must be a constant of %d values", f)
		}
		ws = append(ws, b.c.floats())
	} else {
		c.UseBias = false
	}
	y, err := im.apply1(c, t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{c, ws})
	im.setDyn(cfOut(y))
	return nil
}

// convTranspose reads ConvTranspose into Conv1DTranspose, finding the
// Keras padding and output_padding whose geometry has the file's pads.
func (im *importer) convTranspose() error {
	a, err := im.attrs("kernel_shape", "strides", "dilations", "pads", "group", "auto_pad", "output_padding", "output_shape")
	if err != nil {
		return err
	}
	if ap := aString(a, "auto_pad", "NOTSET"); ap != "NOTSET" || a["output_shape"] != nil || aInt(a, "group", 1) != 1 {
		return im.errf("attributes auto_pad, output_shape and group other than 1 are not supported")
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	t, err := im.channelsFirst(x)
	if err != nil {
		return err
	}
	w, err := im.needConst(1)
	if err != nil {
		return err
	}
	if len(w.shape) != 3 || w.shape[0] != t.Shape[1] {
		return im.errf("the weight has shape %v: expected (%d input channels, filters, k)", w.shape, t.Shape[1])
	}
	in, f, k := w.shape[0], w.shape[1], w.shape[2]
	get := func(name string, def int64) int64 {
		if v := aInts(a, name); len(v) == 1 {
			return v[0]
		}
		return def
	}
	s, d, op := get("strides", 1), get("dilations", 1), get("output_padding", 0)
	pads := aInts(a, "pads")
	if pads == nil {
		pads = []int64{0, 0}
	}
	if len(pads) != 2 || s <= 0 || d <= 0 || s > maxElements || d > maxElements || op < 0 || op > maxElements {
		return im.errf("attributes strides, dilations, pads and output_padding must be one positive value each (pads two)")
	}
	L := t.Shape[0]
	want := (int64(L)-1)*s + int64(k-1)*d + 1 + op - pads[0] - pads[1]
	var padding string
	outPad := -2
	for _, p := range []string{"valid", "same"} {
		for o := -1; o < int(s) && padding == ""; o++ {
			g, err := layers.ConvTransposeOutput(L, k, int(s), int(d), p, o)
			if err == nil && int64(g.Crop) == pads[0] && int64(g.OutLength) == want {
				padding, outPad = p, o
			}
		}
	}
	if padding == "" {
		return im.errf("attribute pads=%v with output_padding=%d matches no Keras padding of Conv1DTranspose", pads, op)
	}
	c := layers.NewConv1DTranspose(f, k)
	c.Strides, c.DilationRate, c.Padding, c.OutputPadding = int(s), int(d), padding, outPad
	kw := make([]float32, len(w.data))
	for i := 0; i < k; i++ {
		for o := 0; o < f; o++ {
			for ci := 0; ci < in; ci++ {
				kw[(i*f+o)*in+ci] = float32(w.data[(ci*f+o)*k+i])
			}
		}
	}
	ws := [][]float32{kw}
	if b := im.in(2); b != nil {
		if b.c == nil || len(b.c.data) != f {
			return im.errf("the bias must be a constant of %d values", f)
		}
		ws = append(ws, b.c.floats())
	} else {
		c.UseBias = false
	}
	y, err := im.apply1(c, t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{c, ws})
	im.setDyn(cfOut(y))
	return nil
}

func (im *importer) pool(isMax bool) error {
	a, err := im.attrs("kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad", "auto_pad", "dilations", "storage_order")
	if err != nil {
		return err
	}
	if ap := aString(a, "auto_pad", "NOTSET"); ap != "NOTSET" {
		return im.errf("attribute auto_pad=%s is not supported", ap)
	}
	if aInt(a, "ceil_mode", 0) != 0 {
		return im.errf("attribute ceil_mode=1 is not supported (Keras pools floor the output length)")
	}
	if dl := aInts(a, "dilations"); dl != nil && (len(dl) != 1 || dl[0] != 1) {
		return im.errf("attribute dilations=%v is not supported", dl)
	}
	if len(im.node.GetOutput()) > 1 && im.node.GetOutput()[1] != "" {
		return im.errf("the Indices output is not supported")
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	t, err := im.channelsFirst(x)
	if err != nil {
		return err
	}
	ks := aInts(a, "kernel_shape")
	if len(ks) != 1 || ks[0] <= 0 {
		return im.errf("attribute kernel_shape=%v: expected one positive size", ks)
	}
	s := ks[0]
	if st := aInts(a, "strides"); st != nil {
		if len(st) != 1 || st[0] <= 0 {
			return im.errf("attribute strides=%v: expected one positive value", st)
		}
		s = st[0]
	}
	pads := aInts(a, "pads")
	if pads == nil {
		pads = []int64{0, 0}
	}
	if len(pads) != 2 {
		return im.errf("attribute pads=%v: expected two values", pads)
	}
	padding := kerasPadding(t.Shape[0], int(ks[0]), int(s), 1, pads[0], pads[1])
	if padding != "valid" && padding != "same" {
		return im.errf("attribute pads=%v matches neither Keras' valid nor same padding", pads)
	}
	if !isMax && padding == "same" && aInt(a, "count_include_pad", 0) != 0 {
		return im.errf("attribute count_include_pad=1 with padding: Keras averages the real values only")
	}
	var l layers.Layer
	if isMax {
		p := layers.NewMaxPooling1D(int(ks[0]))
		p.Strides, p.Padding = int(s), padding
		l = p
	} else {
		p := layers.NewAveragePooling1D(int(ks[0]))
		p.Strides, p.Padding = int(s), padding
		l = p
	}
	y, err := im.apply1(l, t)
	if err != nil {
		return err
	}
	im.setDyn(cfOut(y))
	return nil
}

// globalPool pools x over its steps axis, which must be ONNX axis ax.
func (im *importer) globalPool(x *dyn, isMax, keepdims bool, ax int) error {
	t, err := im.plain(x, im.node.GetOpType())
	if err != nil {
		return err
	}
	if len(t.Shape) != 2 || ax < 0 || ax >= len(x.perm) || x.perm[ax] != 1 {
		return im.errf("only pooling over the steps axis of a (batch, steps, channels) sequence is supported")
	}
	var l layers.Layer
	if isMax {
		p := layers.NewGlobalMaxPooling1D()
		p.Keepdims = keepdims
		l = p
	} else {
		p := layers.NewGlobalAveragePooling1D()
		p.Keepdims = keepdims
		l = p
	}
	y, err := im.apply1(l, t)
	if err != nil {
		return err
	}
	im.masks = append(im.masks, maskUse{ids: x.ids, what: "node " + im.node.GetName()})
	perm := append([]int(nil), x.perm...)
	if !keepdims {
		perm = nil
		for j, p := range x.perm {
			if j == ax {
				continue
			}
			if p > 1 {
				p--
			}
			perm = append(perm, p)
		}
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: perm})
	return nil
}

// maskedPool makes a global pooling of x that skips the padding of ids.
func (im *importer) maskedPool(x *val, ids *model.Tensor, isMax, keepdims bool) error {
	d, err := im.tensor(x)
	if err != nil {
		return im.errf("%v", err)
	}
	if d.ids != ids || ids == nil {
		return im.errf("the masked pooling's input does not carry the padding mask it is masked with")
	}
	n := len(im.masks)
	if err := im.globalPool(d, isMax, keepdims, 1); err != nil {
		return err
	}
	im.masks[n].masked = true
	return im.maskEmbeddings(ids)
}

func (im *importer) maskEmbeddings(ids *model.Tensor) error {
	es := im.embeds[ids]
	if len(es) == 0 {
		return im.errf("the padding mask comes from an input that no Embedding reads")
	}
	for _, e := range es {
		e.MaskZero = true
	}
	return nil
}

func (im *importer) reduce(op string) error {
	a, err := im.attrs("axes", "keepdims", "noop_with_empty_axes")
	if err != nil {
		return err
	}
	axes, err := im.axesOf(a, 1)
	if err != nil {
		return err
	}
	kd := aInt(a, "keepdims", 1) != 0
	v, err := im.need(0)
	if err != nil {
		return err
	}
	if len(axes) != 1 {
		return im.errf("attribute axes=%v: reductions over one axis only are supported", axes)
	}
	if v.p != nil {
		switch {
		case op == "ReduceSum" && v.p.kind == "maskI" && !kd:
			im.set(0, &val{p: &pat{kind: "lens", ids: v.p.ids}})
			return nil
		case op == "ReduceSum" && v.p.kind == "mask3F" && normAxis(axes[0], 3) == 1:
			im.set(0, &val{p: &pat{kind: "count", ids: v.p.ids, kd: kd}})
			return nil
		case op == "ReduceSum" && v.p.kind == "xm" && normAxis(axes[0], 3) == 1:
			im.set(0, &val{p: &pat{kind: "msum", x: v.p.x, ids: v.p.ids, kd: kd}})
			return nil
		case op == "ReduceMean" && v.p.kind == "lnSq" && kd && isLastAxis(v.p.x.d, axes[0]):
			im.set(0, &val{p: &pat{kind: "lnVar", x: v.p.x}})
			return nil
		case op == "ReduceMax" && v.p.kind == "low" && normAxis(axes[0], 3) == 1:
			im.set(0, &val{p: &pat{kind: "mmax", x: v.p.x, ids: v.p.ids, kd: kd}})
			return nil
		}
	}
	x, err := im.tensor(v)
	if err != nil {
		return im.errf("%v", err)
	}
	ax := normAxis(axes[0], x.rank())
	if x.stack >= 0 && ax == x.stack {
		if kd {
			return im.errf("keepdims=1 over stacked recurrent outputs is not supported")
		}
		var l layers.Layer
		switch op {
		case "ReduceSum":
			l = layers.NewAdd()
		case "ReduceMean":
			l = layers.NewAverage()
		case "ReduceProd":
			l = layers.NewMultiply()
		default:
			return im.errf("%s over the directions of a recurrent operator has no seqnet form", op)
		}
		y, err := im.apply1(l, x.parts...)
		if err != nil {
			return err
		}
		r := *x
		r.parts, r.stack = []*model.Tensor{y}, -1
		im.setDyn(&r)
		return nil
	}
	if t := x.parts[0]; x.stack < 0 && ax >= 0 && ax < len(x.perm) && x.perm[ax] == len(t.Shape) && op == "ReduceMean" && kd {
		// The mean of a LayerNorm written out as operators (torch below
		// opset 17): ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add.
		im.set(0, &val{p: &pat{kind: "lnMean", x: &val{d: x}}})
		return nil
	}
	switch op {
	case "ReduceMax", "ReduceMean":
		return im.globalPool(x, op == "ReduceMax", kd, ax)
	}
	return im.errf("%s of a model tensor is not supported", op)
}

func isLastAxis(d *dyn, a int64) bool {
	return d != nil && normAxis(a, d.rank()) == d.rank()-1
}

var activationOf = map[string]string{"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Elu": "elu", "Selu": "selu",
	"Softplus": "softplus", "LeakyRelu": "leaky_relu", "HardSigmoid": "hard_sigmoid", "Softmax": "softmax"}

func (im *importer) activation(op string) error {
	a, err := im.attrs("alpha", "beta", "gamma", "axis")
	if err != nil {
		return err
	}
	check := func(name string, want, def float32) error {
		if got := aFloat(a, name, def); math.Abs(float64(got-want)) > 1e-6 {
			return im.errf("attribute %s=%g: seqnet's %s uses %g", name, got, activationOf[op], want)
		}
		return nil
	}
	switch op {
	case "Elu":
		err = check("alpha", 1, 1)
	case "LeakyRelu":
		err = check("alpha", 0.2, 0.01)
	case "HardSigmoid":
		if err = check("alpha", 1.0/6, 0.2); err == nil {
			err = check("beta", 0.5, 0.5)
		}
	case "Selu":
		if err = check("alpha", 1.6732632, 1.6732632); err == nil {
			err = check("gamma", 1.050701, 1.050701)
		}
	}
	if err != nil {
		return err
	}
	v, err := im.need(0)
	if err != nil {
		return err
	}
	if v.p != nil && v.p.kind == "scale" && op == "Erf" {
		return nil
	}
	x, err := im.tensor(v)
	if err != nil {
		return im.errf("%v", err)
	}
	t, err := im.plain(x, op)
	if err != nil {
		return err
	}
	if op == "Softmax" {
		ax := normAxis(aInt(a, "axis", -1), x.rank())
		if ax < 0 || ax >= len(x.perm) || x.perm[ax] != len(t.Shape) || x.reorder != nil {
			return im.errf("attribute axis=%d: seqnet's softmax normalises the last (channels) axis", aInt(a, "axis", -1))
		}
	}
	y, err := im.apply1(layers.NewActivation(activationOf[op]), t)
	if err != nil {
		return err
	}
	r := *x
	r.parts = []*model.Tensor{y}
	r.rnn = nil
	im.setDyn(&r)
	im.acts[y] = actOrigin{op, t}
	return nil
}
