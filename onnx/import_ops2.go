package onnx

import (
	"math"
	"slices"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// actOrigin records that a tensor is an activation of another, so that
// x·sigmoid(x) can be read as swish.
type actOrigin struct {
	op string
	x  *model.Tensor
}

func isScalar(c *constT, v float64, tol float64) bool {
	return c != nil && len(c.data) == 1 && (c.data[0] == v || math.Abs(c.data[0]-v) <= tol)
}

// patternOp handles the operators that appear only inside idioms: the
// padding mask (Equal, Not, Cast, ReduceSum), masked poolings (Where,
// Max, Reciprocal, Greater), gelu (Erf) and UpSampling1D (Tile).
func (im *importer) patternOp(op string) error {
	a, err := im.attrs("to")
	if err != nil {
		return err
	}
	v, err := im.need(0)
	if err != nil {
		return err
	}
	arg := func(i int) *val { return im.in(i) }
	p := v.p
	switch {
	case op == "Equal" && v.d != nil && v.d.ints && arg(1) != nil && arg(1).c != nil && isScalar(arg(1).c, 0, 0):
		t, err := im.plain(v.d, op)
		if err != nil {
			return err
		}
		im.set(0, &val{p: &pat{kind: "eq0", ids: t}})
		return nil
	case op == "Not" && p != nil && p.kind == "eq0":
		im.set(0, &val{p: &pat{kind: "mask", ids: p.ids}})
		return nil
	case op == "Cast":
		to := int32(aInt(a, "to", 0))
		switch {
		case p != nil && p.kind == "mask" && (to == typeInt32 || to == typeInt64):
			im.set(0, &val{p: &pat{kind: "maskI", ids: p.ids}})
			return nil
		case p != nil && p.kind == "mask3" && to == typeFloat:
			im.set(0, &val{p: &pat{kind: "mask3F", ids: p.ids}})
			return nil
		case v.d != nil && (to == typeInt64 || to == typeInt32) && len(v.d.perm) == 2:
			d := *v.d
			d.ints = true // token indices given as floats
			im.setDyn(&d)
			return nil
		case v.d != nil && to == typeFloat && !v.d.ints:
			im.set(0, v)
			return nil
		case v.c != nil:
			im.set(0, v)
			return nil
		}
	case op == "Erf" && p != nil && p.kind == "scale":
		im.set(0, &val{p: &pat{kind: "erf", x: p.x}})
		return nil
	case op == "Max" && p != nil && p.kind == "count" && arg(1) != nil && isScalar(arg(1).c, 1, 0):
		im.set(0, &val{p: &pat{kind: "countc", ids: p.ids, kd: p.kd}})
		return nil
	case op == "Reciprocal" && p != nil && p.kind == "countc":
		im.set(0, &val{p: &pat{kind: "inv", ids: p.ids, kd: p.kd}})
		return nil
	case op == "Greater" && p != nil && p.kind == "count" && arg(1) != nil && isScalar(arg(1).c, 0, 0):
		im.set(0, &val{p: &pat{kind: "some", ids: p.ids, kd: p.kd}})
		return nil
	case op == "Pow" && p != nil && p.kind == "lnD" && arg(1) != nil && isScalar(arg(1).c, 2, 0):
		im.set(0, &val{p: &pat{kind: "lnSq", x: p.x}})
		return nil
	case op == "Sqrt" && p != nil && p.kind == "lnVarEps":
		im.set(0, &val{p: &pat{kind: "lnStd", x: p.x, eps: p.eps}})
		return nil
	case op == "Tile" && p != nil && p.kind == "unsq" && arg(1) != nil && arg(1).c != nil:
		im.set(0, &val{p: &pat{kind: "tile", x: p.x, axes: p.axes, reps: arg(1).c.ints()}})
		return nil
	case op == "Where":
		return im.where(v)
	}
	return im.errf("this use of %s (on a %s) is not supported: seqnet reads it only inside the idioms its own export writes (padding masks, masked poolings, gelu, UpSampling1D)", op, kindOf(v))
}

func (im *importer) where(cond *val) error {
	x, y := im.in(1), im.in(2)
	if x == nil || y == nil || cond.p == nil {
		return im.errf("only the masked-sequence idioms of seqnet's export are supported")
	}
	switch {
	case cond.p.kind == "mask3" && y.c != nil && isScalar(y.c, math.Inf(-1), 0):
		im.set(0, &val{p: &pat{kind: "low", x: x, ids: cond.p.ids}})
		return nil
	case cond.p.kind == "some" && x.p != nil && x.p.kind == "mmax" && y.c != nil && isScalar(y.c, 0, 0):
		return im.maskedPool(x.p.x, x.p.ids, true, x.p.kd)
	case cond.p.kind == "mask3" && x.d != nil && x.d.rnn != nil && y.p != nil && y.p.kind == "unsq":
		// A masked sequence that repeats the last state at padded steps,
		// as Keras does: the recurrent layer without zero_output_for_mask.
		r := x.d.rnn
		if r.ids != cond.p.ids || len(r.rnns) != 1 || im.users[im.node.GetInput()[1]] != 1 {
			return im.errf("the masked sequence idiom does not match its recurrent layer")
		}
		r.rnns[0].ZeroOutputForMask = false
		r.whereSet = true
		d := *x.d
		d.rnn = nil
		im.setDyn(&d)
		return nil
	}
	return im.errf("only the masked-sequence idioms of seqnet's export are supported")
}

// arith handles Add, Sub, Mul, Div, Sum and Mean.
func (im *importer) arith(op string) error {
	if _, err := im.attrs(); err != nil {
		return err
	}
	var vs []*val
	for i := range im.node.GetInput() {
		v, err := im.need(i)
		if err != nil {
			return err
		}
		vs = append(vs, v)
	}
	if len(vs) == 2 {
		a, b := vs[0], vs[1]
		if op == "Add" && b.p != nil && a.p == nil {
			a, b = b, a
		}
		if (op == "Mul" || op == "Add") && a.c != nil && b.c == nil {
			a, b = b, a
		}
		kindP := func(v *val, k string) bool { return v.p != nil && v.p.kind == k }
		switch {
		case op == "Add" && kindP(a, "matmul") && b.c != nil:
			d, err := im.dense(a.p.x.d, a.p.w, b.c, false)
			if err != nil {
				return err
			}
			im.setDyn(d)
			return nil
		case op == "Sub" && a.d != nil && kindP(b, "lnMean") && b.p.x.d == a.d:
			im.set(0, &val{p: &pat{kind: "lnD", x: b.p.x}})
			return nil
		case op == "Add" && kindP(a, "lnVar") && b.c != nil && len(b.c.data) == 1 && b.c.data[0] > 0:
			im.set(0, &val{p: &pat{kind: "lnVarEps", x: a.p.x, eps: b.c.data[0]}})
			return nil
		case op == "Div" && kindP(a, "lnD") && kindP(b, "lnStd") && a.p.x.d == b.p.x.d:
			im.set(0, &val{p: &pat{kind: "lnNorm", x: a.p.x, eps: b.p.eps}})
			return nil
		case op == "Mul" && kindP(a, "lnNorm") && b.c != nil:
			im.set(0, &val{p: &pat{kind: "lnScaled", x: a.p.x, eps: a.p.eps, w: b.c}})
			return nil
		case op == "Add" && kindP(a, "lnScaled") && b.c != nil:
			p := *a.p
			p.b = b.c
			d, err := im.layerNormOf(&p)
			if err != nil {
				return err
			}
			im.setDyn(d)
			return nil
		case op == "Mul" && a.d != nil && isScalar(b.c, 1/math.Sqrt2, 1e-6):
			im.set(0, &val{p: &pat{kind: "scale", x: a}})
			return nil
		case op == "Add" && kindP(a, "erf") && isScalar(b.c, 1, 0):
			im.set(0, &val{p: &pat{kind: "erf1", x: a.p.x}})
			return nil
		case op == "Mul" && a.d != nil && kindP(b, "erf1") && b.p.x.d == a.d:
			im.set(0, &val{p: &pat{kind: "gx", x: a}})
			return nil
		case op == "Mul" && kindP(a, "gx") && isScalar(b.c, 0.5, 0):
			return im.namedActivation("gelu", a.p.x.d)
		case op == "Mul" && a.d != nil && kindP(b, "mask3F"):
			im.set(0, &val{p: &pat{kind: "xm", x: a, ids: b.p.ids}})
			return nil
		case op == "Mul" && kindP(a, "msum") && kindP(b, "inv") && a.p.ids == b.p.ids && a.p.kd == b.p.kd:
			return im.maskedPool(a.p.x, a.p.ids, false, a.p.kd)
		case op == "Mul" && a.d != nil && b.d != nil:
			if o, ok := im.acts[b.d.parts[0]]; ok && o.op == "Sigmoid" && o.x == a.d.parts[0] && len(a.d.parts) == 1 {
				return im.namedActivation("swish", a.d)
			}
			if o, ok := im.acts[a.d.parts[0]]; ok && o.op == "Sigmoid" && o.x == b.d.parts[0] && len(b.d.parts) == 1 {
				return im.namedActivation("swish", b.d)
			}
		}
	}
	var l layers.Layer
	switch op {
	case "Add", "Sum":
		l = layers.NewAdd()
	case "Sub":
		l = layers.NewSubtract()
	case "Mul":
		l = layers.NewMultiply()
	case "Mean":
		l = layers.NewAverage()
	default:
		return im.errf("%s is supported only inside the idioms seqnet's export writes", op)
	}
	var ts []*model.Tensor
	var first *dyn
	var ids *model.Tensor
	for i, v := range vs {
		if v.p != nil && v.p.kind == "unsq" && v.p.x.d != nil {
			// seqnet's merges broadcast a lower-rank input over the
			// leading axes, which is what Unsqueeze(1, …) before the
			// merge says in ONNX.
			x := v.p.x.d
			ok := true
			for k, ax := range v.p.axes {
				if normAxis(ax, x.rank()+len(v.p.axes)) != 1+k {
					ok = false
				}
			}
			if ok && x.identity() {
				ts = append(ts, x.parts[0])
				continue
			}
		}
		d, err := im.tensor(v)
		if err != nil {
			return im.errf("input %d: %v", i, err)
		}
		t, err := im.plain(d, op)
		if err != nil {
			return err
		}
		if first == nil {
			first, ids = d, d.ids
		} else if !slices.Equal(d.perm, first.perm) {
			return im.errf("the inputs have different axis orders")
		}
		if d.ids == nil {
			ids = nil
		}
		ts = append(ts, t)
	}
	if first == nil {
		return im.errf("the inputs must include a model tensor")
	}
	if op == "Sub" && len(ts) != 2 {
		return im.errf("Sub takes 2 inputs")
	}
	y, err := im.apply1(l, ts...)
	if err != nil {
		return err
	}
	perm := first.perm
	if len(y.Shape)+1 != len(perm) {
		perm = identityPerm(len(y.Shape) + 1)
	}
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: perm, ids: ids})
	return nil
}

func (im *importer) namedActivation(name string, x *dyn) error {
	t, err := im.plain(x, name)
	if err != nil {
		return err
	}
	y, err := im.apply1(layers.NewActivation(name), t)
	if err != nil {
		return err
	}
	r := *x
	r.parts, r.rnn = []*model.Tensor{y}, nil
	im.setDyn(&r)
	return nil
}

func (im *importer) gemm() error {
	a, err := im.attrs("alpha", "beta", "transA", "transB")
	if err != nil {
		return err
	}
	if aFloat(a, "alpha", 1) != 1 || aFloat(a, "beta", 1) != 1 || aInt(a, "transA", 0) != 0 {
		return im.errf("attributes alpha=%g, beta=%g, transA=%d: a Dense layer is alpha=1, beta=1, transA=0",
			aFloat(a, "alpha", 1), aFloat(a, "beta", 1), aInt(a, "transA", 0))
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	w, err := im.needConst(1)
	if err != nil {
		return err
	}
	var b *constT
	if im.in(2) != nil {
		if b, err = im.needConst(2); err != nil {
			return err
		}
	}
	d, err := im.dense(x, w, b, aInt(a, "transB", 0) != 0)
	if err != nil {
		return err
	}
	im.setDyn(d)
	return nil
}

func (im *importer) matmul() error {
	if _, err := im.attrs(); err != nil {
		return err
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	w, err := im.needConst(1)
	if err != nil {
		return err
	}
	// A Dense layer: the bias, if any, comes with the Add that follows.
	im.set(0, &val{p: &pat{kind: "matmul", x: &val{d: x}, w: w}})
	return nil
}

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
		im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: x.perm, ids: x.ids})
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
	d.parts, d.ids, d.rnn = []*model.Tensor{y}, nil, nil
	im.setDyn(&d)
	return nil
}

func (im *importer) batchNorm() error {
	a, err := im.attrs("epsilon", "momentum", "training_mode")
	if err != nil {
		return err
	}
	if aInt(a, "training_mode", 0) != 0 {
		return im.errf("attribute training_mode=1 is not supported (inference graphs only)")
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	t, err := im.plain(x, "BatchNormalization")
	if err != nil {
		return err
	}
	if len(x.perm) < 2 || x.perm[1] != len(t.Shape) {
		return im.errf("the normalised axis (ONNX axis 1) must be seqnet's channels axis")
	}
	ch := t.Shape[len(t.Shape)-1]
	var ws [][]float32
	for i := 1; i <= 4; i++ {
		c, err := im.needConst(i)
		if err != nil {
			return err
		}
		if len(c.data) != ch {
			return im.errf("input %d has %d values, expected %d channels", i, len(c.data), ch)
		}
		ws = append(ws, c.floats())
	}
	l := layers.NewBatchNormalization()
	l.Epsilon = float64(aFloat(a, "epsilon", 1e-5))
	y, err := im.apply1(l, t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{l, ws})
	d := *x
	d.parts, d.rnn = []*model.Tensor{y}, nil
	im.setDyn(&d)
	return nil
}

// layerNormOf makes the LayerNormalization that a written-out LayerNorm
// computes (gamma 1 and beta 0 when the pattern ends before them).
func (im *importer) layerNormOf(p *pat) (*dyn, error) {
	x := p.x.d
	t, err := im.plain(x, "LayerNorm")
	if err != nil {
		return nil, err
	}
	ch := t.Shape[len(t.Shape)-1]
	gamma, beta := &constT{data: repeat(1, ch)}, &constT{data: make([]float64, ch)}
	if p.w != nil {
		gamma = p.w
	}
	if p.b != nil {
		beta = p.b
	}
	if len(gamma.data) == 1 {
		gamma = &constT{data: repeat(gamma.data[0], ch)}
	}
	if len(beta.data) == 1 {
		beta = &constT{data: repeat(beta.data[0], ch)}
	}
	if len(gamma.data) != ch || len(beta.data) != ch {
		return nil, im.errf("the LayerNorm's scale and bias must have %d values", ch)
	}
	l := layers.NewLayerNormalization()
	l.Epsilon = p.eps
	y, err := im.apply1(l, t)
	if err != nil {
		return nil, err
	}
	im.params = append(im.params, paramSet{l, [][]float32{gamma.floats(), beta.floats()}})
	d := *x
	d.parts, d.rnn = []*model.Tensor{y}, nil
	return &d, nil
}

func (im *importer) layerNorm() error {
	a, err := im.attrs("axis", "epsilon", "stash_type")
	if err != nil {
		return err
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	t, err := im.plain(x, "LayerNormalization")
	if err != nil {
		return err
	}
	ax := normAxis(aInt(a, "axis", -1), x.rank())
	if ax != x.rank()-1 || x.perm[ax] != len(t.Shape) {
		return im.errf("attribute axis=%d: only normalising the last (channels) axis is supported", aInt(a, "axis", -1))
	}
	ch := t.Shape[len(t.Shape)-1]
	scale, err := im.needConst(1)
	if err != nil {
		return err
	}
	bias := &constT{data: make([]float64, ch)}
	if im.in(2) != nil {
		if bias, err = im.needConst(2); err != nil {
			return err
		}
	}
	if len(scale.data) != ch || len(bias.data) != ch {
		return im.errf("scale and bias must have %d values", ch)
	}
	l := layers.NewLayerNormalization()
	l.Epsilon = float64(aFloat(a, "epsilon", 1e-5))
	y, err := im.apply1(l, t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{l, [][]float32{scale.floats(), bias.floats()}})
	d := *x
	d.parts, d.rnn = []*model.Tensor{y}, nil
	im.setDyn(&d)
	return nil
}

var rnnActs = map[string]string{"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu", "HardSigmoid": "hard_sigmoid",
	"LeakyRelu": "leaky_relu", "Elu": "elu", "Softplus": "softplus"}

// recurrent reads ONNX LSTM, GRU and RNN into seqnet's LSTM, GRU and
// SimpleRNN (Bidirectional with merge_mode "none" for two directions;
// the graph's own Concat or Reshape merges them).
func (im *importer) recurrent(op string) error {
	a, err := im.attrs("hidden_size", "direction", "activations", "layout", "linear_before_reset", "input_forget", "clip",
		"activation_alpha", "activation_beta")
	if err != nil {
		return err
	}
	for _, name := range []string{"layout", "input_forget"} {
		if aInt(a, name, 0) != 0 {
			return im.errf("attribute %s=%d is not supported (0 only)", name, aInt(a, name, 0))
		}
	}
	if a["clip"] != nil {
		return im.errf("attribute clip is not supported")
	}
	x, err := im.needDyn(0)
	if err != nil {
		return err
	}
	t, err := im.plain(x, op)
	if err != nil {
		return err
	}
	if !slices.Equal(x.perm, []int{1, 0, 2}) {
		return im.errf("the input must be time-major (steps, batch, features), the operator's layout 0")
	}
	w, err := im.needConst(1)
	if err != nil {
		return err
	}
	rc, err := im.needConst(2)
	if err != nil {
		return err
	}
	G := map[string]int{"LSTM": 4, "GRU": 3, "RNN": 1}[op]
	dir := aString(a, "direction", "forward")
	nd := 1
	if dir == "bidirectional" {
		nd = 2
	} else if dir != "forward" && dir != "reverse" {
		return im.errf("attribute direction=%q is not supported", dir)
	}
	U := int(aInt(a, "hidden_size", 0))
	in := t.Shape[1]
	if U <= 0 || len(w.shape) != 3 || w.shape[0] != nd || w.shape[1] != G*U || w.shape[2] != in ||
		len(rc.shape) != 3 || rc.shape[0] != nd || rc.shape[1] != G*U || rc.shape[2] != U {
		return im.errf("W %v and R %v do not match hidden_size %d, %d direction(s) and %d input features", w.shape, rc.shape, U, nd, in)
	}
	var b *constT
	if im.in(3) != nil {
		if b, err = im.needConst(3); err != nil {
			return err
		}
		if len(b.data) != nd*2*G*U {
			return im.errf("B has %d values, expected %d", len(b.data), nd*2*G*U)
		}
	}
	var ids *model.Tensor
	if sl := im.in(4); sl != nil {
		if sl.p == nil || sl.p.kind != "lens" {
			return im.errf("sequence_lens is supported only as the count of non-zero tokens (an Embedding's mask_zero)")
		}
		if x.ids != sl.p.ids {
			return im.errf("sequence_lens counts the tokens of an input whose embeddings are not this operator's input")
		}
		ids = sl.p.ids
		if err := im.maskEmbeddings(ids); err != nil {
			return err
		}
	}
	for i := 5; i <= 7; i++ {
		if v := im.in(i); v != nil {
			if i == 7 {
				return im.errf("peephole weights (input P) are not supported")
			}
			if !v.zeros && !(v.c != nil && allZero(v.c)) {
				return im.errf("input %d (an initial state) must be zeros", i)
			}
		}
	}
	defActs := map[string][]string{"LSTM": {"Sigmoid", "Tanh", "Tanh"}, "GRU": {"Sigmoid", "Tanh"}, "RNN": {"Tanh"}}[op]
	var acts []string
	for _, s := range a["activations"].GetStrings() {
		acts = append(acts, string(s))
	}
	if acts == nil {
		for d := 0; d < nd; d++ {
			acts = append(acts, defActs...)
		}
	}
	per := len(defActs)
	if len(acts) != per*nd {
		return im.errf("attribute activations=%v: expected %d names", acts, per*nd)
	}
	for d := 1; d < nd; d++ {
		for k := 0; k < per; k++ {
			if acts[d*per+k] != acts[k] {
				return im.errf("attribute activations=%v: the two directions must use the same activations", acts)
			}
		}
	}
	if op == "LSTM" && acts[1] != acts[2] {
		return im.errf("attribute activations=%v: seqnet's LSTM uses one activation for the candidate and the output (g = h)", acts)
	}
	// activation_alpha and activation_beta are consumed in order by the
	// activations that take them; each must be the value of seqnet's
	// activation (defaults: the ONNX operators').
	alphas, betas := a["activation_alpha"].GetFloats(), a["activation_beta"].GetFloats()
	for _, s := range acts {
		want := rnnActParams[s]
		def := map[string][]float32{"HardSigmoid": {0.2, 0.5}, "LeakyRelu": {0.01}, "Elu": {1}}[s]
		for k := range want {
			got := def[k]
			list := &alphas
			if k == 1 {
				list = &betas
			}
			if len(*list) > 0 {
				got, *list = (*list)[0], (*list)[1:]
			}
			if math.Abs(float64(got-want[k])) > 1e-6 {
				return im.errf("attribute activation_alpha/activation_beta: %s with %g, seqnet's uses %g", s, got, want[k])
			}
		}
	}
	if len(alphas) > 0 || len(betas) > 0 {
		return im.errf("attributes activation_alpha/activation_beta have more values than the activations %v take", acts)
	}
	var act, recAct string
	for k, s := range acts[:per] {
		name, ok := rnnActs[s]
		if !ok {
			return im.errf("attribute activations: %s is not supported (Sigmoid, Tanh, Relu, HardSigmoid, LeakyRelu, Elu, Softplus)", s)
		}
		if k == 0 && op != "RNN" {
			recAct = name
		} else {
			act = name
		}
	}
	outs := im.node.GetOutput()
	used := func(i int) bool { return i < len(outs) && outs[i] != "" && im.users[outs[i]] > 0 }
	useY, useH, useC := used(0), used(1), used(2)
	lbr := aInt(a, "linear_before_reset", 0) != 0
	make1 := func() (layers.Layer, *layers.RNN) {
		opts := []layers.RNNOption{layers.RNNActivation(act)}
		if recAct != "" {
			opts = append(opts, layers.RecurrentActivation(recAct))
		}
		if useY {
			opts = append(opts, layers.ReturnSequences())
		}
		if (useY && (useH || useC)) || useC {
			opts = append(opts, layers.ReturnState())
		}
		if b == nil {
			opts = append(opts, layers.RNNNoBias())
		}
		switch op {
		case "LSTM":
			l := layers.NewLSTM(U, opts...)
			return l, &l.RNN
		case "GRU":
			l := layers.NewGRU(U, opts...)
			l.ResetAfter = lbr
			return l, &l.RNN
		}
		l := layers.NewSimpleRNN(U, opts...)
		return l, &l.RNN
	}
	l, r := make1()
	if dir == "reverse" {
		r.GoBackwards = true
	}
	if ids != nil && nd == 1 && useY {
		r.ZeroOutputForMask = true // ONNX writes zeros past each length
	}
	var weights [][]float32
	for d := 0; d < nd; d++ {
		weights = append(weights, rnnKeras(op, d, U, in, w, rc, b, lbr)...)
	}
	var layer layers.Layer = l
	if nd == 2 {
		layer = layers.NewBidirectional(l, "none")
	}
	ys, err := im.apply(layer, t)
	if err != nil {
		return err
	}
	im.params = append(im.params, paramSet{layer, weights})
	info := &rnnInfo{layer: layer, ids: ids}
	info.rnns = []*layers.RNN{r}
	im.masks = append(im.masks, maskUse{ids: x.ids, masked: ids != nil, what: "node " + im.node.GetName()})
	// seqnet's outputs: single: [out, (h, (c))]; bidirectional:
	// [outF, outB, statesF…, statesB…].
	ns := 1
	if op == "LSTM" {
		ns = 2
	}
	var yParts, hParts, cParts []*model.Tensor
	for d := 0; d < nd; d++ {
		out := ys[d]
		st := nd + d*ns
		if !r.ReturnState {
			st = -1
		}
		if useY {
			yParts = append(yParts, out)
			if st >= 0 {
				hParts = append(hParts, ys[st])
				if op == "LSTM" {
					cParts = append(cParts, ys[st+1])
				}
			}
		} else {
			hParts = append(hParts, out)
			if st >= 0 && op == "LSTM" {
				cParts = append(cParts, ys[st+1])
			}
		}
	}
	var seqIDs *model.Tensor
	if ids != nil {
		seqIDs = ids
	}
	if useY {
		y := &dyn{parts: yParts, stack: 1, perm: []int{1, 0, 2}, rev: r.GoBackwards && nd == 1, ids: seqIDs}
		if ids != nil && nd == 1 {
			y.rnn = info
		}
		im.set(0, &val{d: y})
	}
	if len(hParts) == nd {
		im.set(1, &val{d: &dyn{parts: hParts, stack: 0, perm: []int{0, 1}}})
	}
	if len(cParts) == nd {
		im.set(2, &val{d: &dyn{parts: cParts, stack: 0, perm: []int{0, 1}}})
	}
	return nil
}

func allZero(c *constT) bool {
	for _, v := range c.data {
		if v != 0 {
			return false
		}
	}
	return true
}

// rnnKeras turns direction d of ONNX W, R, B into Keras' kernel,
// recurrent_kernel and bias (when B is given).
func rnnKeras(op string, d, U, in int, w, r, b *constT, lbr bool) [][]float32 {
	var order []int // ONNX gate of each Keras gate
	switch op {
	case "LSTM":
		order = []int{0, 2, 3, 1} // Keras i,f,c,o ← ONNX i,o,f,c
	case "GRU":
		order = []int{0, 1, 2}
	default:
		order = []int{0}
	}
	G := len(order)
	k := make([]float32, in*G*U)
	rk := make([]float32, U*G*U)
	wd, rd := w.data[d*G*U*in:], r.data[d*G*U*U:]
	for kg, og := range order {
		for u := 0; u < U; u++ {
			for c := 0; c < in; c++ {
				k[c*G*U+kg*U+u] = float32(wd[(og*U+u)*in+c])
			}
			for c := 0; c < U; c++ {
				rk[c*G*U+kg*U+u] = float32(rd[(og*U+u)*U+c])
			}
		}
	}
	out := [][]float32{k, rk}
	if b == nil {
		return out
	}
	bd := b.data[d*2*G*U:]
	if op == "GRU" && lbr {
		bias := make([]float32, 2*G*U)
		for kg, og := range order {
			for u := 0; u < U; u++ {
				bias[kg*U+u] = float32(bd[og*U+u])
				bias[G*U+kg*U+u] = float32(bd[G*U+og*U+u])
			}
		}
		return append(out, bias)
	}
	bias := make([]float32, G*U)
	for kg, og := range order {
		for u := 0; u < U; u++ {
			bias[kg*U+u] = float32(bd[og*U+u] + bd[G*U+og*U+u])
		}
	}
	return append(out, bias)
}
