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
		if done, err := im.arithIdiom(op, vs[0], vs[1]); done || err != nil {
			return err
		}
	}
	return im.arithMerge(op, vs)
}

// arithIdiom reads the two-input idioms seqnet's export and torch write
// with Add, Sub, Mul and Div (a Dense's bias, LayerNormalization, GELU,
// swish, masked pooling); done is false when a and b are none of them.
func (im *importer) arithIdiom(op string, a, b *val) (done bool, err error) {
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
			return true, err
		}
		im.setDyn(d)
		return true, nil
	case op == "Sub" && a.d != nil && kindP(b, "lnMean") && b.p.x.d == a.d:
		im.set(0, &val{p: &pat{kind: "lnD", x: b.p.x}})
		return true, nil
	case op == "Add" && kindP(a, "lnVar") && b.c != nil && len(b.c.data) == 1 && b.c.data[0] > 0:
		im.set(0, &val{p: &pat{kind: "lnVarEps", x: a.p.x, eps: b.c.data[0]}})
		return true, nil
	case op == "Div" && kindP(a, "lnD") && kindP(b, "lnStd") && a.p.x.d == b.p.x.d:
		im.set(0, &val{p: &pat{kind: "lnNorm", x: a.p.x, eps: b.p.eps}})
		return true, nil
	case op == "Mul" && kindP(a, "lnNorm") && b.c != nil:
		im.set(0, &val{p: &pat{kind: "lnScaled", x: a.p.x, eps: a.p.eps, w: b.c}})
		return true, nil
	case op == "Add" && kindP(a, "lnScaled") && b.c != nil:
		p := *a.p
		p.b = b.c
		d, err := im.layerNormOf(&p)
		if err != nil {
			return true, err
		}
		im.setDyn(d)
		return true, nil
	case op == "Mul" && a.d != nil && isScalar(b.c, 1/math.Sqrt2, 1e-6):
		im.set(0, &val{p: &pat{kind: "scale", x: a}})
		return true, nil
	case op == "Add" && kindP(a, "erf") && isScalar(b.c, 1, 0):
		im.set(0, &val{p: &pat{kind: "erf1", x: a.p.x}})
		return true, nil
	case op == "Mul" && a.d != nil && kindP(b, "erf1") && b.p.x.d == a.d:
		im.set(0, &val{p: &pat{kind: "gx", x: a}})
		return true, nil
	case op == "Mul" && kindP(a, "gx") && isScalar(b.c, 0.5, 0):
		return true, im.namedActivation("gelu", a.p.x.d)
	case op == "Mul" && a.d != nil && kindP(b, "mask3F"):
		im.set(0, &val{p: &pat{kind: "xm", x: a, ids: b.p.ids}})
		return true, nil
	case op == "Mul" && kindP(a, "msum") && kindP(b, "inv") && a.p.ids == b.p.ids && a.p.kd == b.p.kd:
		return true, im.maskedPool(a.p.x, a.p.ids, false, a.p.kd)
	case op == "Mul" && a.d != nil && b.d != nil:
		if o, ok := im.acts[b.d.parts[0]]; ok && o.op == "Sigmoid" && o.x == a.d.parts[0] && len(a.d.parts) == 1 {
			return true, im.namedActivation("swish", a.d)
		}
		if o, ok := im.acts[a.d.parts[0]]; ok && o.op == "Sigmoid" && o.x == b.d.parts[0] && len(b.d.parts) == 1 {
			return true, im.namedActivation("swish", b.d)
		}
	}
	return false, nil
}

// arithMerge reads Add, Sub, Mul, Sum and Mean of model tensors as
// seqnet's merge layers.
func (im *importer) arithMerge(op string, vs []*val) error {
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
	var ds []*dyn
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
			first = d
		} else if !slices.Equal(d.perm, first.perm) {
			return im.errf("the inputs have different axis orders")
		}
		ds = append(ds, d)
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
	ids, embs := mergedMask(ds)
	im.setDyn(&dyn{parts: []*model.Tensor{y}, stack: -1, perm: perm, ids: ids, embs: embs})
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
