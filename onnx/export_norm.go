package onnx

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
)

func (e *exporter) batchNorm(l *layers.BatchNormalization, x *value) ([]*value, error) {
	base := l.Name
	if l.Axis != -1 && l.Axis != len(x.shape) {
		return nil, fmt.Errorf("BatchNormalization axis=%d has no ONNX export here: only the last axis (-1) is supported", l.Axis)
	}
	ch := x.shape[len(x.shape)-1]
	vec := func(p *layers.Param, name string, def float32) string {
		if p != nil {
			return e.weight(base+"/"+name, []int{ch}, p.Value.Data)
		}
		d := make([]float32, ch)
		for i := range d {
			d[i] = def
		}
		return e.weight(base+"/"+name, []int{ch}, d)
	}
	args := func(in string) []string {
		return []string{in, vec(l.Gamma(), "gamma", 1), vec(l.Beta(), "beta", 0), vec(l.MovingMean(), "moving_mean", 0),
			vec(l.MovingVariance(), "moving_variance", 1)}
	}
	eps := attrFloat("epsilon", float32(l.Epsilon))
	switch len(x.shape) {
	case 1:
		return []*value{{name: e.op("BatchNormalization", base, args(x.name), eps), mask: x.mask}}, nil
	case 2:
		y := e.op("BatchNormalization", base, args(e.channelsFirst(x, base)), eps)
		v := e.fromChannelsFirst(y, base)
		v.mask = x.mask
		return []*value{v}, nil
	}
	return nil, fmt.Errorf("BatchNormalization on rank-%d samples has no ONNX export here", len(x.shape))
}

func (e *exporter) layerNorm(l *layers.LayerNormalization, x *value) ([]*value, error) {
	base := l.Name
	if l.RMSScaling {
		return nil, fmt.Errorf("LayerNormalization with rms_scaling=True has no ONNX form in opset 17 (RMSNormalization is opset 23)")
	}
	if l.Axis != -1 && l.Axis != len(x.shape) {
		return nil, fmt.Errorf("LayerNormalization axis=%d has no ONNX export here: only the last axis (-1) is supported", l.Axis)
	}
	ch := x.shape[len(x.shape)-1]
	ones, zeros := make([]float32, ch), make([]float32, ch)
	for i := range ones {
		ones[i] = 1
	}
	g, b := ones, zeros
	if l.Gamma() != nil {
		g = l.Gamma().Value.Data
	}
	if l.Beta() != nil {
		b = l.Beta().Value.Data
	}
	y := e.op("LayerNormalization", base, []string{x.name, e.weight(base+"/gamma", []int{ch}, g), e.weight(base+"/beta", []int{ch}, b)},
		attrInt("axis", -1), attrFloat("epsilon", float32(l.Epsilon)))
	return []*value{{name: y, mask: x.mask}}, nil
}

func (e *exporter) merge(l *layers.Merge, in []*value, out layers.Shape) ([]*value, error) {
	base := l.Name
	m, err := sameMask(in)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(in))
	for i, v := range in {
		names[i] = v.name
		if d := len(out) - len(v.shape); d > 0 {
			// seqnet treats a lower-rank input as having leading per-sample
			// axes of 1; ONNX would align it with the batch axis instead.
			axes := make([]int64, d)
			for k := range axes {
				axes[k] = int64(1 + k)
			}
			names[i] = e.op("Unsqueeze", base, []string{v.name, e.ints(axes...)})
		}
	}
	var y string
	switch l.ClassName() {
	case "Add":
		y = e.op("Sum", base, names)
	case "Subtract":
		if len(names) != 2 {
			return nil, fmt.Errorf("Subtract takes 2 inputs, received %d", len(names))
		}
		y = e.op("Sub", base, names)
	case "Multiply":
		y = names[0]
		for _, n := range names[1:] {
			y = e.op("Mul", base, []string{y, n})
		}
	case "Average":
		y = e.op("Mean", base, names)
	default:
		return nil, fmt.Errorf("%s has no ONNX export here", l.ClassName())
	}
	return []*value{{name: y, mask: m}}, nil
}
