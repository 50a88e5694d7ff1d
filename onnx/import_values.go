package onnx

import (
	"fmt"
	"slices"
	"strings"

	pb "github.com/seqnet/seqnet/internal/onnxpb"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// in returns input i of the current node (nil when absent or empty).
func (im *importer) in(i int) *val {
	ins := im.node.GetInput()
	if i >= len(ins) || ins[i] == "" {
		return nil
	}
	return im.vals[ins[i]]
}

func (im *importer) need(i int) (*val, error) {
	ins := im.node.GetInput()
	if i >= len(ins) || ins[i] == "" {
		return nil, im.errf("input %d is missing", i)
	}
	v := im.vals[ins[i]]
	if v == nil {
		return nil, im.errf("input %q is not computed before this node (graphs must be in topological order)", ins[i])
	}
	return v, nil
}

func (im *importer) needConst(i int) (*constT, error) {
	v, err := im.need(i)
	if err != nil {
		return nil, err
	}
	if v.c == nil {
		return nil, im.errf("input %d must be a constant (an initializer or Constant node)", i)
	}
	return v.c, nil
}

func (im *importer) needDyn(i int) (*dyn, error) {
	v, err := im.need(i)
	if err != nil {
		return nil, err
	}
	d, err := im.tensor(v)
	if err != nil {
		return nil, im.errf("input %d: %v", i, err)
	}
	return d, nil
}

func (im *importer) set(i int, v *val) {
	outs := im.node.GetOutput()
	if i < len(outs) && outs[i] != "" {
		im.vals[outs[i]] = v
	}
}

func (im *importer) setDyn(d *dyn) { im.set(0, &val{d: d}) }

// attrs reads the node's attributes, refusing any not in allowed.
func (im *importer) attrs(allowed ...string) (map[string]*pb.AttributeProto, error) {
	out := map[string]*pb.AttributeProto{}
	for _, a := range im.node.GetAttribute() {
		ok := false
		for _, n := range allowed {
			if a.GetName() == n {
				ok = true
			}
		}
		if !ok {
			return nil, im.errf("attribute %q is not supported (supported: %s)", a.GetName(), strings.Join(allowed, ", "))
		}
		out[a.GetName()] = a
	}
	return out, nil
}

func aInt(a map[string]*pb.AttributeProto, name string, def int64) int64 {
	if x, ok := a[name]; ok {
		return x.GetI()
	}
	return def
}

func aInts(a map[string]*pb.AttributeProto, name string) []int64 {
	if x, ok := a[name]; ok {
		return x.GetInts()
	}
	return nil
}

func aFloat(a map[string]*pb.AttributeProto, name string, def float32) float32 {
	if x, ok := a[name]; ok {
		return x.GetF()
	}
	return def
}

func aString(a map[string]*pb.AttributeProto, name, def string) string {
	if x, ok := a[name]; ok {
		return string(x.GetS())
	}
	return def
}

// apply calls a layer on tensors, turning a graph error into one naming
// the node.
func (im *importer) apply(l layers.Layer, in ...*model.Tensor) ([]*model.Tensor, error) {
	outs := model.Apply(l, in...)
	if err := outs[0].Err(); err != nil {
		return nil, im.errf("as seqnet %s: %v", l.ClassName(), err)
	}
	return outs, nil
}

func (im *importer) apply1(l layers.Layer, in ...*model.Tensor) (*model.Tensor, error) {
	outs, err := im.apply(l, in...)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// plain returns the one seqnet tensor of d, refusing stacks and reordered
// tensors.
func (im *importer) plain(d *dyn, what string) (*model.Tensor, error) {
	if d.stack >= 0 || d.reorder != nil || d.rev {
		return nil, im.errf("%s: the input is a stack of recurrent outputs or a reordered tensor; this use of it is not supported", what)
	}
	return d.parts[0], nil
}

// tensor turns a value into a model tensor, completing pending patterns
// (a MatMul without Add becomes a Dense without bias, an Unsqueeze a
// Reshape).
func (im *importer) tensor(v *val) (*dyn, error) {
	switch {
	case v.d != nil:
		return v.d, nil
	case v.p != nil && v.p.kind == "matmul":
		x := v.p.x.d
		return im.dense(x, v.p.w, nil, false)
	case v.p != nil && (v.p.kind == "lnNorm" || v.p.kind == "lnScaled"):
		return im.layerNormOf(v.p)
	case v.p != nil && v.p.kind == "unsq":
		x, err := im.tensor(v.p.x)
		if err != nil {
			return nil, err
		}
		return im.unsqueeze(x, v.p.axes)
	case v.c != nil:
		return nil, fmt.Errorf("a constant where a model tensor is expected (seqnet layers compute from the inputs; constant branches are not supported)")
	}
	kind := "a shape computation"
	if v.p != nil {
		kind = "part of a pattern (" + v.p.kind + ")"
		if strings.HasPrefix(v.p.kind, "ln") {
			kind = "part of a LayerNorm written out as operators that seqnet could not follow (export with opset_version=17, which writes LayerNormalization)"
		}
	}
	return nil, fmt.Errorf("%s used where a model tensor is expected; this pattern is not supported", kind)
}

// seqShape returns the per-sample shape of a model tensor.
func seqShape(t *model.Tensor) []int { return t.Shape }

// onnxDims returns d's per-sample ONNX shape (batch axis left out).
func (d *dyn) onnxDims() []int {
	full := append([]int{-1}, seqShape(d.parts[0])...)
	var out []int
	j := 0
	for i := 0; i < d.rank(); i++ {
		if i == d.stack {
			out = append(out, len(d.parts))
			continue
		}
		out = append(out, full[d.perm[j]])
		j++
	}
	return out[1:]
}

func (im *importer) unsqueeze(x *dyn, axes []int64) (*dyn, error) {
	t, err := im.plain(x, "Unsqueeze")
	if err != nil {
		return nil, err
	}
	if len(axes) != 1 {
		return nil, im.errf("Unsqueeze of %d axes is not supported here", len(axes))
	}
	ax := int(axes[0])
	if ax < 0 {
		ax += x.rank() + 1
	}
	if ax <= 0 || ax > x.rank() {
		return nil, im.errf("Unsqueeze axis %d is out of range for rank %d", axes[0], x.rank())
	}
	shape := append(append([]int(nil), t.Shape...), 1)
	y, err := im.apply1(layers.NewReshape(shape...), t)
	if err != nil {
		return nil, err
	}
	perm := append([]int(nil), x.perm[:ax]...)
	perm = append(perm, len(shape))
	perm = append(perm, x.perm[ax:]...)
	return &dyn{parts: []*model.Tensor{y}, stack: -1, perm: perm, ids: x.ids, embs: x.embs}, nil
}

// dense makes a Dense layer from x·w (+ b).
func (im *importer) dense(x *dyn, w *constT, b *constT, transB bool) (*dyn, error) {
	t := x.parts[0]
	if x.stack >= 0 || x.rev || (!x.identity() && x.reorder == nil) {
		return nil, im.errf("the input must be (batch, features) or (batch, steps, features) in seqnet's order")
	}
	if len(w.shape) != 2 {
		return nil, im.errf("the weight has shape %v, expected 2-D", w.shape)
	}
	in, out := w.shape[0], w.shape[1]
	if transB {
		in, out = out, in
	}
	if last := t.Shape[len(t.Shape)-1]; last != in {
		return nil, im.errf("the weight takes %d features, the input has %d", in, last)
	}
	k := make([]float32, in*out)
	var rows []int
	if x.reorder != nil {
		rows = x.reorder.rows() // in elements: the weight's size bounds it
	}
	for i := 0; i < in; i++ {
		row := i
		if rows != nil {
			row = rows[i]
		}
		for j := 0; j < out; j++ {
			v := w.data[i*out+j]
			if transB {
				v = w.data[j*in+i]
			}
			k[row*out+j] = float32(v)
		}
	}
	l := layers.NewDense(out, "")
	ws := [][]float32{k}
	if b != nil {
		if len(b.data) != out {
			if len(b.data) != 1 {
				return nil, im.errf("the bias has %d values, expected %d", len(b.data), out)
			}
			b = &constT{shape: []int{out}, data: repeat(b.data[0], out)}
		}
		ws = append(ws, b.floats())
	} else {
		l.UseBias = false
	}
	y, err := im.apply1(l, t)
	if err != nil {
		return nil, err
	}
	im.params = append(im.params, paramSet{l, ws})
	return &dyn{parts: []*model.Tensor{y}, stack: -1, perm: identityPerm(len(y.Shape) + 1), ids: x.ids, embs: x.embs}, nil
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func identityPerm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

// simple wraps one tensor in seqnet order.
func simple(t *model.Tensor, ids *model.Tensor) *dyn {
	return &dyn{parts: []*model.Tensor{t}, stack: -1, perm: identityPerm(len(t.Shape) + 1), ids: ids}
}

// mergedMask is the padding mask a merge (Add, Concat, ...) of ds carries:
// the token input all of them carry (nil if one carries none or another),
// and every Embedding they are computed from.
func mergedMask(ds []*dyn) (*model.Tensor, []*layers.Embedding) {
	if len(ds) == 0 || ds[0].ids == nil {
		return nil, nil
	}
	var embs []*layers.Embedding
	for _, d := range ds {
		if d.ids != ds[0].ids {
			return nil, nil
		}
		for _, e := range d.embs {
			if !slices.Contains(embs, e) {
				embs = append(embs, e)
			}
		}
	}
	return ds[0].ids, embs
}
