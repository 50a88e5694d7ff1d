package explain

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// tokenModel is a model whose first layer is an Embedding.
type tokenModel struct {
	emb  *layers.Embedding
	name string
}

// tokenModelOf returns the Embedding a model starts with, or nil for a
// series model.
func tokenModelOf(m *model.Model, x *tensor.Tensor) (*tokenModel, error) {
	ls := m.Layers()
	if len(ls) == 0 {
		return nil, fmt.Errorf("the model has no layers")
	}
	e, ok := ls[0].(*layers.Embedding)
	if !ok {
		return nil, nil
	}
	if len(x.Shape) != 2 {
		return nil, fmt.Errorf("explain: token models are explained on (rows, steps) token indices; received data of shape %s",
			tensor.ShapeString(x.Shape, false))
	}
	return &tokenModel{emb: e, name: e.Common().Name}, nil
}

// chain runs the layers after a token model's Embedding, one feeding the
// next, starting from embedding vectors: what integrated gradients need to
// walk the path in embedding space. It uses the model's layer objects (and
// so their weights) with contexts of its own.
type chain struct {
	ls     []layers.Layer
	shapes [][]int // per-sample output shape of each layer
}

// newChain checks, on a few rows, that the layers after the Embedding form
// a chain that reproduces the model's output.
func (s *subject) newChain() (*chain, error) {
	refuse := func(why string) error {
		return fmt.Errorf("integrated gradients for token models need the layers after the Embedding to form a chain (a Sequential model); %s. "+
			"Use method gradient, gradxinput or occlusion, which work on any graph", why)
	}
	if k := len(s.m.OutputShapes()); k != 1 {
		return nil, refuse(fmt.Sprintf("this model has %d outputs", k))
	}
	ls := s.m.Layers()
	if len(ls) < 2 {
		return nil, refuse("the model has no layer after the Embedding")
	}
	// Each layer must take exactly the previous one's only output: decided
	// from the graph, before running anything (a branched model's layers
	// run one after another fail inside, on the wrong shapes).
	g := s.m.Graph()
	for i, n := range g.Nodes {
		if i == 0 {
			continue
		}
		if len(n.Inputs) != 1 || n.Inputs[0].Node != i-1 || len(g.Nodes[i-1].OutShapes) != 1 {
			return nil, refuse(fmt.Sprintf("layer %q (%s) does not simply take the previous layer's output: the graph branches or merges",
				n.Layer.Common().Name, n.Layer.ClassName()))
		}
	}
	p, _, err := s.sampleTaps(ls)
	if err != nil {
		return nil, err
	}
	c := &chain{ls: ls[1:]}
	for _, l := range c.ls {
		c.shapes = append(c.shapes, p.Taps[l.Common().Name].Value.Shape[1:])
	}
	out, _, err := c.run(p.Taps[s.tok.name].Value, -1)
	if err != nil {
		return nil, refuse(err.Error())
	}
	want := p.Outputs[0]
	if !tensor.SameShape(out.Shape, want.Shape) {
		return nil, refuse("running the layers one after another gives a different output shape")
	}
	var scale float64 = 1
	for _, v := range want.Data {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i, v := range want.Data {
		if math.Abs(float64(v-out.Data[i])) > 1e-4*scale {
			return nil, refuse("running the layers one after another does not reproduce the model's output, so the graph branches")
		}
	}
	return c, nil
}

// run does a forward pass from in (batch, steps, dim) and, for unit ≥ 0,
// a backward pass from that unit of the last axis; it returns the output
// and the gradient with respect to in. A layer that cannot run as one link
// of a chain (it wants several inputs) comes back as an error.
func (c *chain) run(in *tensor.Tensor, unit int) (out, dIn *tensor.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, dIn, err = nil, nil, fmt.Errorf("a layer failed to run as a link of a chain (%v)", r)
		}
	}()
	B := in.Shape[0]
	ctxs := make([]*layers.Context, len(c.ls))
	outs := make([]*tensor.Tensor, len(c.ls))
	cur := in
	for i, l := range c.ls {
		ctxs[i] = &layers.Context{}
		outs[i] = tensor.New(append([]int{B}, c.shapes[i]...)...)
		l.Forward(ctxs[i], []*tensor.Tensor{cur}, []*tensor.Tensor{outs[i]})
		cur = outs[i]
	}
	out = cur
	if unit < 0 {
		return out, nil, nil
	}
	g := tensor.New(out.Shape...)
	last := out.Shape[len(out.Shape)-1]
	for j := unit; j < len(g.Data); j += last {
		g.Data[j] = 1
	}
	for i := len(c.ls) - 1; i >= 0; i-- {
		src := in
		if i > 0 {
			src = outs[i-1]
		}
		d := tensor.New(src.Shape...)
		c.ls[i].Backward(ctxs[i], []*tensor.Tensor{src}, []*tensor.Tensor{outs[i]}, []*tensor.Tensor{g}, []*tensor.Tensor{d})
		g = d
	}
	return out, g, nil
}

// tokenIntegrated is integrated gradients in embedding space, from zero
// vectors to each row's embedding vectors (the padding mask of the row is
// kept along the path).
func (s *subject) tokenIntegrated() ([]*Attribution, error) {
	c, err := s.newChain()
	if err != nil {
		return nil, err
	}
	alpha, weight := pathPoints(s.o.Steps, s.o.Rule)
	res := make([]*Attribution, s.n)
	for _, rows := range chunks(s.n, s.o.BatchSize) {
		p, err := s.m.Gradients([]*tensor.Tensor{s.x.Gather(rows)}, 0, -1, s.tok.name)
		if err != nil {
			return nil, err
		}
		emb := p.Taps[s.tok.name].Value
		var mask []bool
		if s.tok.emb.MaskZero {
			mask = make([]bool, len(rows)*s.steps)
			for j, v := range s.x.Gather(rows).Data {
				mask[j] = v != 0
			}
		}
		per := len(emb.Data) / len(rows)
		dim := per / s.steps
		for j, i := range rows {
			a := s.newAttribution("integrated", i)
			e := emb.Data[j*per : (j+1)*per]
			var rowMask []bool
			if mask != nil {
				rowMask = mask[j*s.steps : (j+1)*s.steps]
			}
			withMask := func(t *tensor.Tensor, k int) *tensor.Tensor {
				if rowMask != nil {
					t.Mask = make([]bool, 0, k*s.steps)
					for range k {
						t.Mask = append(t.Mask, rowMask...)
					}
				}
				return t
			}
			avg := make([]float64, per)
			err := s.alongPath(alpha, weight, func(lo, hi int) (*tensor.Tensor, error) {
				pb := withMask(tensor.New(hi-lo, s.steps, dim), hi-lo)
				for k := lo; k < hi; k++ {
					row := pb.Data[(k-lo)*per : (k-lo+1)*per]
					for q := range row {
						row[q] = float32(alpha[k]) * e[q]
					}
				}
				_, g, err := c.run(pb, s.units[i])
				return g, err
			}, avg)
			if err != nil {
				return nil, err
			}
			a.Values = make([][]float64, s.steps)
			for t := range a.Values {
				a.Values[t] = make([]float64, dim)
				for d := range a.Values[t] {
					q := t*dim + d
					a.Values[t][d] = float64(e[q]) * avg[q]
				}
			}
			a.Scores = rowSums(a.Values)
			bout, _, err := c.run(withMask(tensor.New(1, s.steps, dim), 1), -1)
			if err != nil {
				return nil, err
			}
			a.BaselinePrediction = unitValue(bout, 0, s.units[i])
			a.Gap = a.Total() - (a.Prediction - a.BaselinePrediction)
			res[i] = a
		}
	}
	return res, nil
}

// chunks splits 0..n-1 into runs of at most size.
func chunks(n, size int) [][]int {
	var res [][]int
	for lo := 0; lo < n; lo += size {
		var r []int
		for i := lo; i < min(lo+size, n); i++ {
			r = append(r, i)
		}
		res = append(res, r)
	}
	return res
}
