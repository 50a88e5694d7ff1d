package onnx

import (
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

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
