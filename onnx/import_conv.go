package onnx

import (
	"math"
	"slices"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

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

// needChannelsFirst returns the seqnet tensor of input i, which must be a
// (batch, channels, steps) view.
func (im *importer) needChannelsFirst(i int) (*model.Tensor, error) {
	x, err := im.needDyn(i)
	if err != nil {
		return nil, err
	}
	return im.channelsFirst(x)
}

// dropAxis returns the axis order perm of a value without its ONNX axis ax
// (the seqnet steps axis, 1): the seqnet axes after it move down by one.
func dropAxis(perm []int, ax int) []int {
	out := []int{}
	for j, p := range perm {
		if j == ax {
			continue
		}
		if p > 1 {
			p--
		}
		out = append(out, p)
	}
	return out
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
	t, err := im.needChannelsFirst(0)
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
	return im.convEnd(c, &c.UseBias, ws, f, t)
}

// convEnd ends Conv and ConvTranspose: it reads the optional bias (input
// 2, f values) into ws or sets use_bias=False, applies c to t and records
// its weights ws.
func (im *importer) convEnd(c layers.Layer, useBias *bool, ws [][]float32, f int, t *model.Tensor) error {
	if b := im.in(2); b != nil {
		if b.c == nil || len(b.c.data) != f {
			return im.errf("the bias must be a constant of %d values", f)
		}
		ws = append(ws, b.c.floats())
	} else {
		*useBias = false
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
	t, err := im.needChannelsFirst(0)
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
	return im.convEnd(c, &c.UseBias, ws, f, t)
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
	t, err := im.needChannelsFirst(0)
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
	im.masks = append(im.masks, maskUse{embs: x.embs, what: im.node.GetName()})
	perm := append([]int(nil), x.perm...)
	if !keepdims {
		perm = dropAxis(x.perm, ax)
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
	return im.maskEmbeddings(d.embs)
}

// maskEmbeddings sets mask_zero on the Embeddings whose outputs a node
// reads with the padding masked.
func (im *importer) maskEmbeddings(es []*layers.Embedding) error {
	if len(es) == 0 {
		return im.errf("the padding mask is applied to a tensor that no Embedding computes")
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
