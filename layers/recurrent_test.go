package layers_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// randomInput returns a (batch, steps, features) input with values away
// from zero and, when withMask, a random mask that includes a fully
// masked sample, masked first and last steps and left padding.
func rnnInput(rng *rand.Rand, batch, steps, features int, withMask bool) *tensor.Tensor {
	x := tensor.New(batch, steps, features)
	for i := range x.Data {
		v := rng.NormFloat64()
		for math.Abs(v) < 0.02 {
			v = rng.NormFloat64()
		}
		x.Data[i] = float32(v)
	}
	if withMask {
		x.Mask = make([]bool, batch*steps)
		for b := 0; b < batch; b++ {
			kind := rng.IntN(4)
			if b == 1 {
				kind = 4
			}
			n := rng.IntN(steps + 1)
			for t := 0; t < steps; t++ {
				var on bool
				switch kind {
				case 0: // right padding, as Embedding(mask_zero) on padded text
					on = t < n
				case 1: // left padding
					on = t >= steps-n
				case 2, 3: // holes anywhere
					on = rng.IntN(3) > 0
				case 4: // all masked
					on = false
				}
				x.Mask[b*steps+t] = on
			}
		}
	}
	return x
}

type rnnCase struct {
	name     string
	training bool
	layer    layers.Layer
	steps    int
	feat     int
	batch    int
	masked   bool
}

func randomRNNCase(rng *rand.Rand, trial int, kind int) rnnCase {
	units := 1 + 2*rng.IntN(3) // odd: 1, 3, 5
	var opts []layers.RNNOption
	desc := []string{}
	if rng.IntN(2) == 0 {
		opts = append(opts, layers.ReturnSequences())
		desc = append(desc, "seq")
	}
	if rng.IntN(2) == 0 {
		opts = append(opts, layers.ReturnState())
		desc = append(desc, "state")
	}
	if rng.IntN(2) == 0 {
		opts = append(opts, layers.GoBackwards())
		desc = append(desc, "backwards")
	}
	if rng.IntN(4) == 0 {
		opts = append(opts, layers.RNNNoBias())
		desc = append(desc, "nobias")
	}
	if rng.IntN(4) == 0 {
		act := []string{"relu", "sigmoid", "linear", "softsign", "elu"}[rng.IntN(5)]
		if _, err := layers.GetActivation(act); err == nil {
			opts = append(opts, layers.RNNActivation(act))
			desc = append(desc, act)
		}
	}
	if rng.IntN(5) == 0 {
		opts = append(opts, layers.RecurrentActivation("tanh"))
		desc = append(desc, "rec-tanh")
	}
	c := rnnCase{steps: 1 + rng.IntN(6), feat: 1 + rng.IntN(4), batch: 1 + rng.IntN(4), masked: rng.IntN(2) == 0}
	var dropout, recDropout float64
	if rng.IntN(3) == 0 {
		c.training = true
		switch rng.IntN(3) {
		case 0:
			dropout = 0.3
		case 1:
			recDropout = 0.4
		default:
			dropout, recDropout = 0.25, 0.35
		}
		desc = append(desc, fmt.Sprintf("dropout %g/%g", dropout, recDropout))
	}
	switch kind {
	case 2:
		l := layers.NewSimpleRNN(units, opts...)
		l.Dropout, l.RecurrentDropout = dropout, recDropout
		c.layer = l
	case 1:
		g := layers.NewGRU(units, opts...)
		if rng.IntN(3) == 0 {
			g.ResetAfter = false
			desc = append(desc, "reset-before")
		}
		g.Dropout, g.RecurrentDropout = dropout, recDropout
		c.layer = g
	default:
		l := layers.NewLSTM(units, opts...)
		if rng.IntN(4) == 0 {
			l.UnitForgetBias = false
		}
		l.Dropout, l.RecurrentDropout = dropout, recDropout
		c.layer = l
	}
	if c.masked {
		desc = append(desc, "masked")
	}
	c.name = fmt.Sprintf("trial %d %s(%d) steps %d features %d batch %d %v", trial, c.layer.ClassName(), units,
		c.steps, c.feat, c.batch, desc)
	return c
}

func rnnCheck(t *testing.T, rng *rand.Rand, c rnnCase, seed uint64) {
	t.Helper()
	x := rnnInput(rng, c.batch, c.steps, c.feat, c.masked)
	err := gradcheck.Check(c.layer, []layers.Shape{{c.steps, c.feat}}, c.batch, seed,
		gradcheck.Options{Inputs: []*tensor.Tensor{x}, Training: c.training})
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
}

func TestLSTMGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 40; trial++ {
		rnnCheck(t, rng, randomRNNCase(rng, trial, 0), uint64(trial))
	}
}

func TestGRUGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 40; trial++ {
		rnnCheck(t, rng, randomRNNCase(rng, trial, 1), uint64(trial))
	}
}

func TestSimpleRNNGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for trial := 0; trial < 25; trial++ {
		rnnCheck(t, rng, randomRNNCase(rng, trial, 2), uint64(trial))
	}
}

func TestBidirectionalGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	trial := 0
	for _, mode := range []string{"concat", "sum", "mul", "ave", "none"} {
		for k := 0; k < 6; k++ {
			c := randomRNNCase(rng, trial, k%3)
			// Bidirectional sets go_backwards itself.
			switch l := c.layer.(type) {
			case *layers.LSTM:
				l.GoBackwards = false
			case *layers.GRU:
				l.GoBackwards = false
			case *layers.SimpleRNN:
				l.GoBackwards = false
			}
			c.layer = layers.NewBidirectional(c.layer, mode)
			c.name += " " + mode
			rnnCheck(t, rng, c, uint64(100+trial))
			trial++
		}
	}
}

func rnnSigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func rnnBuild(t *testing.T, l layers.Layer, steps, features int) []layers.Shape {
	t.Helper()
	out, err := l.Build([]layers.Shape{{steps, features}}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func rnnRun(l layers.Layer, x *tensor.Tensor, shapes []layers.Shape) []*tensor.Tensor {
	outs := make([]*tensor.Tensor, len(shapes))
	for i, s := range shapes {
		outs[i] = tensor.New(append([]int{layers.Batch(x)}, s...)...)
	}
	l.Forward(&layers.Context{}, []*tensor.Tensor{x}, outs)
	return outs
}

func rnnNear(a float32, b float64) bool {
	return math.Abs(float64(a)-b) < 1e-6*math.Max(1, math.Abs(b))
}

// TestLSTMHandComputed: one unit, one feature, two steps, weights set by
// hand; the expected values follow Keras' LSTMCell equations in float64.
func TestLSTMHandComputed(t *testing.T) {
	l := layers.NewLSTM(1, layers.ReturnSequences(), layers.ReturnState())
	shapes := rnnBuild(t, l, 2, 1)
	if b := l.Bias().Value.Data; fmt.Sprint(b) != "[0 1 0 0]" {
		t.Fatalf("unit_forget_bias: initial bias %v, want [0 1 0 0]", b)
	}
	W := []float64{0.5, -0.3, 0.8, 0.2}  // i f c o
	Uh := []float64{0.1, 0.4, -0.6, 0.3} // i f c o
	bias := []float64{0.05, 1.0, -0.1, 0.2}
	for j := 0; j < 4; j++ {
		l.Kernel().Value.Data[j] = float32(W[j])
		l.RecurrentKernel().Value.Data[j] = float32(Uh[j])
		l.Bias().Value.Data[j] = float32(bias[j])
	}
	xs := []float64{1.5, -0.7}
	x := tensor.FromSlice([]float32{1.5, -0.7}, 1, 2, 1)
	outs := rnnRun(l, x, shapes)
	var h, c float64
	var want []float64
	for _, xt := range xs {
		z := func(g int) float64 { return xt*W[g] + h*Uh[g] + bias[g] }
		i, f, g, o := rnnSigmoid(z(0)), rnnSigmoid(z(1)), math.Tanh(z(2)), rnnSigmoid(z(3))
		c = f*c + i*g
		h = o * math.Tanh(c)
		want = append(want, h)
	}
	// By hand for the first step: z = [0.8, 0.55, 1.1, 0.5],
	// c = σ(0.8)·tanh(1.1) = 0.689974·0.800499 = 0.552323,
	// h = σ(0.5)·tanh(c) = 0.622459·0.502253 = 0.312632.
	if math.Abs(want[0]-0.312632) > 1e-5 {
		t.Fatalf("reference arithmetic is off: h1 = %v", want[0])
	}
	for k, w := range want {
		if !rnnNear(outs[0].Data[k], w) {
			t.Errorf("h[%d] = %v, want %v", k, outs[0].Data[k], w)
		}
	}
	if !rnnNear(outs[1].Data[0], h) || !rnnNear(outs[2].Data[0], c) {
		t.Errorf("states h, c = %v, %v, want %v, %v", outs[1].Data[0], outs[2].Data[0], h, c)
	}
}

// TestGRUHandComputed: one unit, one feature, two steps, both reset_after
// conventions, against Keras' GRUCell equations in float64.
func TestGRUHandComputed(t *testing.T) {
	for _, resetAfter := range []bool{true, false} {
		g := layers.NewGRU(1, layers.ReturnSequences(), layers.ReturnState())
		g.ResetAfter = resetAfter
		shapes := rnnBuild(t, g, 2, 1)
		W := []float64{0.7, -0.4, 0.9}   // z r h
		Uh := []float64{-0.5, 0.6, 0.8}  // z r h
		bi := []float64{0.1, -0.2, 0.05} // input bias
		br := []float64{0.3, 0.15, -0.25}
		wantBias := []int{2, 3}
		if !resetAfter {
			wantBias = []int{3}
		}
		if !reflect.DeepEqual(g.Bias().Value.Shape, wantBias) {
			t.Fatalf("reset_after=%v: bias shape %v, want %v", resetAfter, g.Bias().Value.Shape, wantBias)
		}
		for j := 0; j < 3; j++ {
			g.Kernel().Value.Data[j] = float32(W[j])
			g.RecurrentKernel().Value.Data[j] = float32(Uh[j])
			g.Bias().Value.Data[j] = float32(bi[j])
			if resetAfter {
				g.Bias().Value.Data[3+j] = float32(br[j])
			}
		}
		xs := []float64{1.2, -0.8}
		x := tensor.FromSlice([]float32{1.2, -0.8}, 1, 2, 1)
		outs := rnnRun(g, x, shapes)
		var h float64
		var want []float64
		for _, xt := range xs {
			var z, r, hh float64
			if resetAfter {
				z = rnnSigmoid(xt*W[0] + bi[0] + h*Uh[0] + br[0])
				r = rnnSigmoid(xt*W[1] + bi[1] + h*Uh[1] + br[1])
				hh = math.Tanh(xt*W[2] + bi[2] + r*(h*Uh[2]+br[2]))
			} else {
				z = rnnSigmoid(xt*W[0] + bi[0] + h*Uh[0])
				r = rnnSigmoid(xt*W[1] + bi[1] + h*Uh[1])
				hh = math.Tanh(xt*W[2] + bi[2] + (r*h)*Uh[2])
			}
			h = z*h + (1-z)*hh
			want = append(want, h)
		}
		for k, w := range want {
			if !rnnNear(outs[0].Data[k], w) {
				t.Errorf("reset_after=%v: h[%d] = %v, want %v", resetAfter, k, outs[0].Data[k], w)
			}
		}
		if !rnnNear(outs[1].Data[0], h) {
			t.Errorf("reset_after=%v: state %v, want %v", resetAfter, outs[1].Data[0], h)
		}
	}
}

// TestSimpleRNNHandComputed: h = tanh(x·W + h·U + b) over two steps.
func TestSimpleRNNHandComputed(t *testing.T) {
	l := layers.NewSimpleRNN(1, layers.ReturnSequences())
	shapes := rnnBuild(t, l, 2, 1)
	l.Kernel().Value.Data[0], l.RecurrentKernel().Value.Data[0], l.Bias().Value.Data[0] = 0.6, -0.9, 0.1
	outs := rnnRun(l, tensor.FromSlice([]float32{2, 0.5}, 1, 2, 1), shapes)
	h1 := math.Tanh(2*0.6 + 0.1)
	h2 := math.Tanh(0.5*0.6 - 0.9*h1 + 0.1)
	if !rnnNear(outs[0].Data[0], h1) || !rnnNear(outs[0].Data[1], h2) {
		t.Errorf("got %v, want [%v %v]", outs[0].Data, h1, h2)
	}
}

// TestRNNMaskSemantics: a masked step carries the state over and repeats
// it as output, so right padding gives the same last output as the
// unpadded sequence; with go_backwards the steps run in reverse.
func TestRNNMaskSemantics(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, mk := range []func(...layers.RNNOption) layers.Layer{
		func(o ...layers.RNNOption) layers.Layer { return layers.NewLSTM(3, o...) },
		func(o ...layers.RNNOption) layers.Layer { return layers.NewGRU(3, o...) },
		func(o ...layers.RNNOption) layers.Layer { return layers.NewSimpleRNN(3, o...) },
	} {
		short, long := mk(layers.ReturnSequences()), mk(layers.ReturnSequences(), layers.ReturnState())
		sShort, sLong := rnnBuild(t, short, 3, 2), rnnBuild(t, long, 5, 2)
		xs := rnnInput(rng, 1, 3, 2, false)
		xl := tensor.New(1, 5, 2)
		copy(xl.Data, xs.Data)
		for i := 6; i < 10; i++ {
			xl.Data[i] = 9 // padding values the mask must hide
		}
		xl.Mask = []bool{true, true, true, false, false}
		ys, yl := rnnRun(short, xs, sShort), rnnRun(long, xl, sLong)
		name := short.ClassName()
		last := ys[0].Data[2*3 : 3*3]
		for t2 := 3; t2 < 5; t2++ {
			if got := yl[0].Data[t2*3 : (t2+1)*3]; !reflect.DeepEqual(got, last) {
				t.Errorf("%s: output at masked step %d = %v, want the carried state %v", name, t2, got, last)
			}
		}
		if !reflect.DeepEqual(yl[1].Data, last) {
			t.Errorf("%s: final state %v, want %v", name, yl[1].Data, last)
		}
		if !reflect.DeepEqual(yl[0].Mask, xl.Mask) {
			t.Errorf("%s: sequence output mask %v, want the input mask", name, yl[0].Mask)
		}
		if yl[1].Mask != nil {
			t.Errorf("%s: state output has a mask", name)
		}

		// go_backwards on x equals the forward layer on reversed x, with
		// the outputs in processing order.
		back := mk(layers.ReturnSequences(), layers.GoBackwards())
		sb := rnnBuild(t, back, 3, 2)
		rev := tensor.New(1, 3, 2)
		for t2 := 0; t2 < 3; t2++ {
			copy(rev.Data[t2*2:(t2+1)*2], xs.Data[(2-t2)*2:(3-t2)*2])
		}
		yb, yr := rnnRun(back, xs, sb), rnnRun(short, rev, sShort)
		if !reflect.DeepEqual(yb[0].Data, yr[0].Data) {
			t.Errorf("%s: go_backwards %v, want the forward pass over reversed input %v", name, yb[0].Data, yr[0].Data)
		}
	}
}

// TestBidirectionalMatchesCopies: concat output = [forward(x), reversed
// backward(x)], weights forward's then backward's.
func TestBidirectionalMatchesCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	bd := layers.NewBidirectional(layers.NewLSTM(2, layers.ReturnSequences(), layers.ReturnState()), "")
	shapes := rnnBuild(t, bd, 4, 3)
	want := []layers.Shape{{4, 4}, {2}, {2}, {2}, {2}}
	if !reflect.DeepEqual(shapes, want) {
		t.Fatalf("shapes %v, want %v", shapes, want)
	}
	f, b := bd.ForwardLayer().(*layers.LSTM), bd.BackwardLayer().(*layers.LSTM)
	if f.Name != "forward_lstm" || b.Name != "backward_lstm" || f.GoBackwards || !b.GoBackwards {
		t.Fatalf("copies %q (go_backwards %v), %q (%v)", f.Name, f.GoBackwards, b.Name, b.GoBackwards)
	}
	ps := bd.Params()
	if len(ps) != 6 || ps[0] != f.Kernel() || ps[3] != b.Kernel() || ps[5] != b.Bias() {
		t.Fatalf("params are not forward's then backward's")
	}
	x := rnnInput(rng, 2, 4, 3, false)
	y := rnnRun(bd, x, shapes)
	yf := rnnRun(f, x, []layers.Shape{{4, 2}, {2}, {2}})
	yb := rnnRun(b, x, []layers.Shape{{4, 2}, {2}, {2}})
	for s := 0; s < 2; s++ {
		for t2 := 0; t2 < 4; t2++ {
			got := y[0].Data[(s*4+t2)*4 : (s*4+t2+1)*4]
			wf := yf[0].Data[(s*4+t2)*2 : (s*4+t2+1)*2]
			wb := yb[0].Data[(s*4+3-t2)*2 : (s*4+4-t2)*2]
			if !reflect.DeepEqual(got, append(append([]float32(nil), wf...), wb...)) {
				t.Fatalf("sample %d step %d: %v, want %v + %v", s, t2, got, wf, wb)
			}
		}
	}
	for i, w := range []*tensor.Tensor{yf[1], yf[2], yb[1], yb[2]} {
		if !reflect.DeepEqual(y[1+i].Data, w.Data) {
			t.Errorf("state %d: %v, want %v", i, y[1+i].Data, w.Data)
		}
	}
}

func TestRecurrentConfigRoundTrip(t *testing.T) {
	g := layers.NewGRU(7, layers.ReturnSequences(), layers.GoBackwards(), layers.RecurrentActivation("hard_sigmoid"))
	if _, err := layers.GetActivation("hard_sigmoid"); err != nil {
		g = layers.NewGRU(7, layers.ReturnSequences(), layers.GoBackwards(), layers.RecurrentActivation("tanh"))
	}
	g.ResetAfter = false
	lstm := layers.NewLSTM(5, layers.ReturnState())
	lstm.UnitForgetBias = false
	lstm.Name = "enc"
	lstm.Dropout, lstm.RecurrentDropout = 0.2, 0.1
	seed := 3
	lstm.Seed = &seed
	bd := layers.NewBidirectional(layers.NewLSTM(4, layers.ReturnSequences()), "ave")
	bdNone := layers.NewBidirectional(layers.NewGRU(3), "none")
	simple := layers.NewSimpleRNN(2, layers.RNNActivation("relu"), layers.ReturnSequences())
	simple.RecurrentDropout = 0.5
	for _, l := range []layers.Layer{g, lstm, bd, bdNone, simple} {
		if _, err := l.Build([]layers.Shape{{6, 2}}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		cfg := l.Config()
		// Through JSON, as a Keras model file gives it.
		raw, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var decoded map[string]any
		if err := json.Unmarshal(raw, &decoded); err != nil {
			t.Fatal(err)
		}
		l2, err := layers.FromConfig(l.ClassName(), decoded)
		if err != nil {
			t.Fatalf("%s: %v\n%s", l.ClassName(), err, raw)
		}
		if _, err := l2.Build([]layers.Shape{{6, 2}}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		raw2, _ := json.Marshal(l2.Config())
		if string(raw) != string(raw2) {
			t.Errorf("%s config does not round-trip:\n%s\n%s", l.ClassName(), raw, raw2)
		}
	}
	for _, key := range []string{"return_sequences", "return_state", "go_backwards", "stateful", "unroll",
		"zero_output_for_mask", "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
		"recurrent_initializer", "bias_initializer", "unit_forget_bias", "dropout", "recurrent_dropout", "seed"} {
		if _, ok := lstm.Config()[key]; !ok {
			t.Errorf("LSTM config lacks %q", key)
		}
	}
}

// TestBidirectionalFromKerasJSON reads a config as Keras 3 writes it.
func TestBidirectionalFromKerasJSON(t *testing.T) {
	const src = `{"name": "bidirectional", "trainable": true, "dtype": "float32", "merge_mode": "concat",
	 "layer": {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "forward_lstm", "trainable": true,
	   "dtype": "float32", "return_sequences": false, "return_state": false, "go_backwards": false, "stateful": false,
	   "unroll": false, "zero_output_for_mask": false, "units": 8, "activation": "tanh", "recurrent_activation": "sigmoid",
	   "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
	   "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}, "registered_name": null},
	   "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
	   "unit_forget_bias": true, "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null,
	   "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null,
	   "dropout": 0.0, "recurrent_dropout": 0.0, "seed": null}, "registered_name": null, "build_config": {"input_shape": [null, 20, 16]}},
	 "backward_layer": {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "backward_lstm", "trainable": true,
	   "dtype": "float32", "return_sequences": false, "return_state": false, "go_backwards": true, "stateful": false,
	   "unroll": false, "zero_output_for_mask": false, "units": 8, "activation": "tanh", "recurrent_activation": "sigmoid",
	   "use_bias": true, "unit_forget_bias": true, "dropout": 0.0, "recurrent_dropout": 0.0, "seed": null}, "registered_name": null}}`
	var cfg map[string]any
	if err := json.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	l, err := layers.FromConfig("Bidirectional", cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Build([]layers.Shape{{20, 16}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, []layers.Shape{{16}}) {
		t.Fatalf("output %v, want (16)", out)
	}
	var shapes []string
	for _, p := range l.Common().Params() {
		shapes = append(shapes, p.Name+tensor.ShapeString(p.Value.Shape, false))
	}
	if got := strings.Join(shapes, " "); got != "kernel(16, 32) recurrent_kernel(8, 32) bias(32,) kernel(16, 32) recurrent_kernel(8, 32) bias(32,)" {
		t.Errorf("weights %s", got)
	}
	bd := l.(*layers.Bidirectional)
	if bd.ForwardLayer().Common().Name != "forward_lstm" || bd.BackwardLayer().Common().Name != "backward_lstm" {
		t.Errorf("names %q %q", bd.ForwardLayer().Common().Name, bd.BackwardLayer().Common().Name)
	}
}

func TestRecurrentRefusals(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		l    layers.Layer
		in   layers.Shape
		want string
	}{
		{layers.NewLSTM(4), layers.Shape{10}, "reshaped to (batch, steps, 1)"},
		{layers.NewGRU(0), layers.Shape{10, 2}, "units=0"},
		{layers.NewLSTM(2, layers.RNNActivation("tanx")), layers.Shape{10, 2}, `unknown activation "tanx"`},
		{layers.NewBidirectional(layers.NewDense(3, ""), "concat"), layers.Shape{10, 2}, "received Dense"},
		{layers.NewBidirectional(layers.NewLSTM(3), "max"), layers.Shape{10, 2}, `invalid merge_mode "max"`},
		{layers.NewBidirectional(layers.NewLSTM(3, layers.GoBackwards()), "sum"), layers.Shape{10, 2}, "different go_backwards"},
	}
	for _, c := range cases {
		_, err := c.l.Build([]layers.Shape{c.in}, rng)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %v: error %v, want it to contain %q", c.l.ClassName(), c.in, err, c.want)
		}
	}
	for cfg, want := range map[string]string{
		`{"units": 4, "dropout": 1.5}`:       "expected a fraction in [0, 1)",
		`{"units": 4, "stateful": true}`:     "stateful=true",
		`{"units": 4, "return_sequence": 1}`: `unsupported option "return_sequence"`,
		`{"return_sequences": true}`:         "units is required",
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(cfg), &m); err != nil {
			t.Fatal(err)
		}
		l, err := layers.FromConfig("LSTM", m)
		if err == nil {
			_, err = l.Build([]layers.Shape{{5, 2}}, rng)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", cfg, err, want)
		}
	}
}

// TestRNNDropoutOnlyInTraining: dropout changes the output in training
// only, and the masks come from the context's random source.
func TestRNNDropoutOnlyInTraining(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, l := range []layers.Layer{layers.NewLSTM(3, layers.ReturnSequences()), layers.NewGRU(3, layers.ReturnSequences())} {
		plain := rnnBuild(t, l, 6, 4)
		x := rnnInput(rng, 5, 6, 4, false)
		ref := rnnRun(l, x, plain)[0].Data
		switch r := l.(type) {
		case *layers.LSTM:
			r.Dropout, r.RecurrentDropout = 0.5, 0.5
		case *layers.GRU:
			r.Dropout, r.RecurrentDropout = 0.5, 0.5
		}
		inference := rnnRun(l, x, plain)[0].Data
		if !reflect.DeepEqual(inference, ref) {
			t.Errorf("%s: dropout changed the inference output", l.ClassName())
		}
		train := func(seed uint64) []float32 {
			out := tensor.New(5, 6, 3)
			ctx := &layers.Context{Training: true, Rand: rand.New(rand.NewPCG(seed, 1))}
			l.Forward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{out})
			return out.Data
		}
		a, b, c := train(1), train(1), train(2)
		if reflect.DeepEqual(a, ref) || !reflect.DeepEqual(a, b) || reflect.DeepEqual(a, c) {
			t.Errorf("%s: training output should differ from inference, repeat with the same random source "+
				"and change with another", l.ClassName())
		}
	}
}

// TestRecurrentFrozen: frozen layers (trainable=False) have no weight
// gradients but still pass the input gradient back.
func TestRecurrentFrozen(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	lstm := layers.NewLSTM(3, layers.ReturnSequences())
	lstm.Frozen = true
	bd := layers.NewBidirectional(layers.NewGRU(3), "mul")
	bd.Frozen = true
	for i, l := range []layers.Layer{lstm, bd} {
		x := rnnInput(rng, 2, 4, 3, true)
		if err := gradcheck.Check(l, []layers.Shape{{4, 3}}, 2, uint64(i), gradcheck.Options{Inputs: []*tensor.Tensor{x}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range l.Common().Params() {
			if p.Trainable() {
				t.Errorf("%s: weight %s of a frozen layer is trainable", l.ClassName(), p.Name)
			}
		}
	}
}
