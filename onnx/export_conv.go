package onnx

import (
	"math"

	"github.com/seqnet/seqnet/layers"
)

// convKernel turns a Keras (k, in, filters) kernel into ONNX's
// (filters, in, k).
func convKernel(k []float32, size, in, filters int) []float32 {
	w := make([]float32, len(k))
	for t := 0; t < size; t++ {
		for c := 0; c < in; c++ {
			for f := 0; f < filters; f++ {
				w[(f*in+c)*size+t] = k[(t*in+c)*filters+f]
			}
		}
	}
	return w
}

func (e *exporter) conv(c *layers.Conv1D, x *value) ([]*value, error) {
	base := c.Name
	k := c.Kernel().Value
	size, inG, f := k.Shape[0], k.Shape[1], k.Shape[2]
	g := c.Geometry()
	ins := []string{e.channelsFirst(x, base), e.weight(base+"/kernel", []int{f, inG, size}, convKernel(k.Data, size, inG, f))}
	if c.UseBias {
		b := c.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("Conv", base, ins, attrInts("kernel_shape", int64(size)), attrInts("strides", int64(c.Strides)),
		attrInts("dilations", int64(c.DilationRate)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)),
		attrInt("group", int64(c.Groups)))
	return e.convOut(y, c.Activation, base)
}

// convOut applies the activation in channels-first layout (element-wise
// activations commute with the transpose; softmax does not).
func (e *exporter) convOut(y string, a *layers.Activation, base string) ([]*value, error) {
	if a != nil && a.Name == "softmax" {
		v := e.fromChannelsFirst(y, base)
		z, err := e.activation(a, v.name, base)
		return []*value{{name: z}}, err
	}
	z, err := e.activation(a, y, base)
	if err != nil {
		return nil, err
	}
	return []*value{e.fromChannelsFirst(z, base)}, nil
}

func (e *exporter) depthwise(l *layers.DepthwiseConv1D, x *value) ([]*value, error) {
	base := l.Name
	k := l.Kernel().Value // (k, in, mult): a grouped conv with kernel (k, 1, in*mult)
	size, in, mult := k.Shape[0], k.Shape[1], k.Shape[2]
	g := l.Geometry()
	ins := []string{e.channelsFirst(x, base), e.weight(base+"/depthwise_kernel", []int{in * mult, 1, size}, convKernel(k.Data, size, 1, in*mult))}
	if l.UseBias {
		b := l.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("Conv", base, ins, attrInts("kernel_shape", int64(size)), attrInts("strides", int64(l.Strides)),
		attrInts("dilations", int64(l.DilationRate)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)),
		attrInt("group", int64(in)))
	return e.convOut(y, l.Activation, base)
}

func (e *exporter) separable(l *layers.SeparableConv1D, x *value) ([]*value, error) {
	base := l.Name
	k := l.DepthwiseKernel().Value
	size, in, mult := k.Shape[0], k.Shape[1], k.Shape[2]
	g := l.Geometry()
	d := e.op("Conv", base+"/depthwise", []string{e.channelsFirst(x, base),
		e.weight(base+"/depthwise_kernel", []int{in * mult, 1, size}, convKernel(k.Data, size, 1, in*mult))},
		attrInts("kernel_shape", int64(size)), attrInts("strides", int64(l.Strides)),
		attrInts("dilations", int64(l.DilationRate)), attrInts("pads", int64(g.PadLeft), int64(g.PadRight)),
		attrInt("group", int64(in)))
	p := l.PointwiseKernel().Value // (1, in*mult, filters)
	ins := []string{d, e.weight(base+"/pointwise_kernel", []int{p.Shape[2], p.Shape[1], 1}, convKernel(p.Data, 1, p.Shape[1], p.Shape[2]))}
	if l.UseBias {
		b := l.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("Conv", base+"/pointwise", ins, attrInts("kernel_shape", 1))
	return e.convOut(y, l.Activation, base)
}

// convTranspose writes ConvTranspose with W (in, filters, k) from Keras'
// (k, filters, in); seqnet's crop is the left pad, and the right pad (or,
// when negative, output_padding) makes the length.
func (e *exporter) convTranspose(l *layers.Conv1DTranspose, x *value) ([]*value, error) {
	base := l.Name
	k := l.Kernel().Value
	size, f, in := k.Shape[0], k.Shape[1], k.Shape[2]
	w := make([]float32, len(k.Data))
	for i := 0; i < size; i++ {
		for o := 0; o < f; o++ {
			for c := 0; c < in; c++ {
				w[(c*f+o)*size+i] = k.Data[(i*f+o)*in+c]
			}
		}
	}
	g := l.Geometry()
	full := (g.Length-1)*l.Strides + (size-1)*l.DilationRate + 1
	right, outPad := full-g.Crop-g.OutLength, 0
	if right < 0 {
		right, outPad = 0, -right
	}
	ins := []string{e.channelsFirst(x, base), e.weight(base+"/kernel", []int{in, f, size}, w)}
	if l.UseBias {
		b := l.Bias().Value
		ins = append(ins, e.weight(base+"/bias", b.Shape, b.Data))
	}
	y := e.op("ConvTranspose", base, ins, attrInts("kernel_shape", int64(size)), attrInts("strides", int64(l.Strides)),
		attrInts("dilations", int64(l.DilationRate)), attrInts("pads", int64(g.Crop), int64(right)),
		attrInts("output_padding", int64(outPad)))
	return e.convOut(y, l.Activation, base)
}

// globalPool reduces over the steps axis; on a masked sequence only the
// real steps count, as in seqnet (a sample with no real step gives 0).
func (e *exporter) globalPool(max, keepdims bool, x *value, base string) string {
	kd := int64(0)
	if keepdims {
		kd = 1
	}
	if x.mask == nil {
		if max {
			return e.op("ReduceMax", base, []string{x.name}, attrInts("axes", 1), attrInt("keepdims", kd))
		}
		return e.op("ReduceMean", base, []string{x.name}, attrInts("axes", 1), attrInt("keepdims", kd))
	}
	m3 := e.op("Unsqueeze", base+"/mask", []string{x.mask.bools, e.ints(2)}) // (batch, steps, 1)
	mf := e.op("Cast", base+"/mask", []string{m3}, attrInt("to", int64(typeFloat)))
	count := e.op("ReduceSum", base+"/mask", []string{mf, e.ints(1)}, attrInt("keepdims", kd))
	if max {
		low := e.op("Where", base, []string{m3, x.name, e.scalar(base+"/neg_inf", float32(math.Inf(-1)))})
		r := e.op("ReduceMax", base, []string{low}, attrInts("axes", 1), attrInt("keepdims", kd))
		some := e.op("Greater", base, []string{count, e.scalar(base+"/zero", 0)})
		return e.op("Where", base, []string{some, r, e.scalar(base+"/zero", 0)})
	}
	xm := e.op("Mul", base, []string{x.name, mf})
	s := e.op("ReduceSum", base, []string{xm, e.ints(1)}, attrInt("keepdims", kd))
	n := e.op("Max", base, []string{count, e.scalar(base+"/one", 1)})
	return e.op("Mul", base, []string{s, e.op("Reciprocal", base, []string{n})})
}
