package onnx

import (
	"math/rand/v2"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
	"github.com/seqnet/seqnet/textmodel"
)

// zooModel is one model of the export check set: scripts/onnx-check.sh
// exports each to testdata/seqnet/NAME.onnx, runs it in ONNX Runtime and
// the ONNX checker, and commits the outputs; TestSeqnetGolden compares.
type zooModel struct {
	name string
	make func() (*model.Model, error)
	// vocab > 0: the input holds token indices in [1, vocab); with
	// trailing, each sample ends in a random number of padding zeros.
	vocab    int
	trailing bool
}

func seq(ls ...layers.Layer) func() (*model.Model, error) {
	return func() (*model.Model, error) { return model.NewSequential(ls...) }
}

func gru(units int, resetAfter bool, opts ...layers.RNNOption) *layers.GRU {
	g := layers.NewGRU(units, opts...)
	g.ResetAfter = resetAfter
	return g
}

func embed(v, d int, maskZero bool) *layers.Embedding {
	e := layers.NewEmbedding(v, d)
	e.MaskZero = maskZero
	return e
}

func conv(f, k int, opts ...layers.Conv1DOption) *layers.Conv1D {
	return layers.NewConv1D(f, k, opts...)
}

func pool(p layers.Layer, strides int, padding string) layers.Layer {
	switch t := p.(type) {
	case *layers.MaxPooling1D:
		t.Strides, t.Padding = strides, padding
	case *layers.AveragePooling1D:
		t.Strides, t.Padding = strides, padding
	}
	return p
}

var zoo = []zooModel{
	{name: "textcnn", vocab: 50, make: seq(layers.Input(20), embed(50, 8, false),
		conv(6, 4, layers.Padding("same"), layers.ConvActivation("relu")), layers.NewMaxPooling1D(2),
		conv(5, 3, layers.Strides(2), layers.ConvActivation("relu")), layers.NewGlobalMaxPooling1D(),
		layers.NewDense(3, "softmax"))},
	{name: "kimcnn", vocab: 40, make: func() (*model.Model, error) {
		in := model.Input(16)
		x := model.Call(embed(40, 8, false), in)
		var branches []*model.Tensor
		for _, k := range []int{2, 3, 4} {
			c := model.Call(conv(4, k, layers.ConvActivation("relu")), x)
			branches = append(branches, model.Call(layers.NewGlobalMaxPooling1D(), c))
		}
		h := model.Call(layers.NewDropout(0.5), model.Call(layers.NewConcatenate(-1), branches...))
		return model.NewModel([]*model.Tensor{in}, []*model.Tensor{model.Call(layers.NewDense(2, "softmax"), h)}, 1)
	}},
	{name: "causal", make: seq(layers.Input(24, 2),
		conv(6, 3, layers.Padding("causal"), layers.ConvActivation("relu")),
		conv(6, 3, layers.Padding("causal"), layers.DilationRate(2), layers.ConvActivation("tanh")),
		conv(4, 3, layers.Padding("causal"), layers.DilationRate(4), layers.Groups(2)),
		layers.NewFlatten(), layers.NewDense(1, ""))},
	{name: "lstm", make: seq(layers.Input(12, 3), layers.NewLSTM(5, layers.ReturnSequences()), layers.NewLSTM(4),
		layers.NewDense(2, ""))},
	{name: "gru", vocab: 30, make: seq(layers.Input(10), embed(30, 6, false),
		gru(5, false, layers.ReturnSequences()), gru(4, true), layers.NewDense(1, "sigmoid"))},
	{name: "bidirectional", make: seq(layers.Input(12, 3),
		layers.NewBidirectional(layers.NewLSTM(4, layers.ReturnSequences()), "concat"),
		layers.NewBidirectional(gru(3, true), "sum"), layers.NewDense(2, ""))},
	{name: "masked_lstm", vocab: 30, trailing: true, make: seq(layers.Input(10), embed(30, 6, true),
		layers.NewLSTM(5, layers.ReturnSequences()), layers.NewLSTM(4), layers.NewDense(2, ""))},
	{name: "masked_bigru", vocab: 30, trailing: true, make: func() (*model.Model, error) {
		in := model.Input(9)
		x := model.Call(embed(30, 5, true), in)
		a := model.Call(layers.NewBidirectional(gru(3, true, layers.ReturnSequences()), "concat"), x)
		p := model.Call(layers.NewGlobalAveragePooling1D(), a)
		q := model.Call(layers.NewGlobalMaxPooling1D(), model.Call(layers.NewLSTM(6, layers.ReturnSequences()), x))
		return model.NewModel([]*model.Tensor{in}, []*model.Tensor{model.Call(layers.NewDense(2, ""), model.Call(layers.NewConcatenate(-1), p, q))}, 1)
	}},
	// seqnet's default text model, built as textmodel builds it: a CNN
	// plus two bag-of-words Embeddings of the same tokens, one averaged
	// over every step (padding included), one over the words only
	// (mask_zero), for 3 classes (softmax) and 2 (one sigmoid logit).
	{name: "nbcnn", vocab: 40, trailing: true, make: func() (*model.Model, error) {
		return textmodel.New(textmodel.Options{SeqLen: 12, Vocab: 40, Classes: 3, EmbeddingDim: 6, Filters: 5, KernelSize: 3, Dropout: 0.5, Seed: 1})
	}},
	{name: "nbcnn_binary", vocab: 30, trailing: true, make: func() (*model.Model, error) {
		return textmodel.New(textmodel.Options{SeqLen: 9, Vocab: 30, Classes: 2, EmbeddingDim: 4, Filters: 3, KernelSize: 2, Seed: 2})
	}},
	{name: "batchnorm", make: seq(layers.Input(16, 3), conv(4, 3), layers.NewBatchNormalization(), layers.NewActivation("relu"),
		pool(layers.NewAveragePooling1D(3), 2, "same"), layers.NewLayerNormalization(),
		pool(layers.NewMaxPooling1D(2), 1, "same"), layers.NewFlatten(), layers.NewDense(2, ""))},
	{name: "convtranspose", make: func() (*model.Model, error) {
		a := layers.NewConv1DTranspose(4, 3)
		a.Strides, a.Padding = 2, "same"
		b := layers.NewConv1DTranspose(2, 4)
		b.DilationRate, b.Activation = 2, mustAct("tanh")
		c := layers.NewConv1DTranspose(3, 2)
		c.Strides, c.OutputPadding = 3, 1
		return model.NewSequential(layers.Input(9, 3), a, b, c, layers.NewFlatten(), layers.NewDense(2, ""))
	}},
	{name: "rnn_activations", make: seq(layers.Input(8, 3),
		layers.NewLSTM(4, layers.RecurrentActivation("hard_sigmoid"), layers.RNNActivation("softplus"), layers.ReturnSequences()),
		gru(3, true, layers.RecurrentActivation("hard_sigmoid"), layers.RNNActivation("leaky_relu"), layers.ReturnSequences()),
		layers.NewBidirectional(layers.NewSimpleRNN(2, layers.RNNActivation("elu")), "ave"), layers.NewDense(1, ""))},
	{name: "misc", make: func() (*model.Model, error) {
		in := model.Input(11, 4)
		a := model.Call(layers.NewZeroPadding1D(1, 2), in)
		a = model.Call(layers.NewDepthwiseConv1D(3), a)
		sep := layers.NewSeparableConv1D(4, 3)
		sep.Padding = "same"
		b := model.Call(sep, model.Call(layers.NewCropping1D(0, 1), in))
		b = model.Call(layers.NewUpSampling1D(3), model.Call(pool(layers.NewMaxPooling1D(2), 2, "same"), b))
		b = model.Call(layers.NewCropping1D(1, 2), b)
		s := model.Call(layers.NewAdd(), a, b)
		d := model.Call(layers.NewSubtract(), a, b)
		m := model.Call(layers.NewMultiply(), s, model.Call(layers.NewActivation("gelu"), d))
		v := model.Call(layers.NewAverage(), m, model.Call(layers.NewActivation("swish"), s))
		r := model.Call(layers.NewSimpleRNN(3, layers.ReturnSequences(), layers.GoBackwards()), v)
		f := model.Call(layers.NewDense(2, "elu"), model.Call(layers.NewReshape(12, 3), r))
		g := model.Call(layers.NewGlobalAveragePooling1D(), f)
		return model.NewModel([]*model.Tensor{in}, []*model.Tensor{g, model.Call(layers.NewActivation("softplus"), f)}, 1)
	}},
}

func mustAct(name string) *layers.Activation {
	a, err := layers.GetActivation(name)
	if err != nil {
		panic(err)
	}
	return a
}

// randomize gives every weight random values (variances positive), so
// that biases and BatchNormalization statistics are exercised too.
func randomize(m *model.Model, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			v := float32(rng.Float64() - 0.5)
			if p.Name == "moving_variance" || p.Name == "gamma" {
				v = 0.5 + float32(rng.Float64())
			}
			p.Value.Data[i] = v
		}
	}
}

// zooInput makes a batch of 3 inputs for the model.
func zooInput(z zooModel, m *model.Model, seed uint64) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 11))
	shape := append([]int{3}, m.InputShapes()[0]...)
	x := tensor.New(shape...)
	steps := shape[1]
	for b := 0; b < 3; b++ {
		n := steps
		if z.trailing {
			n = steps - b*steps/4 // 100%, 75%, 50% real tokens
		}
		for i := range x.Data[b*len(x.Data)/3 : (b+1)*len(x.Data)/3] {
			k := b*len(x.Data)/3 + i
			if z.vocab > 0 {
				if i < n {
					x.Data[k] = float32(1 + rng.IntN(z.vocab-1))
				}
				continue
			}
			x.Data[k] = float32(rng.NormFloat64())
		}
	}
	return x
}
