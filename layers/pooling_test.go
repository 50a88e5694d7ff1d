package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/gradcheck"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

func TestPooling1DGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 40; trial++ {
		k, s := 1+rng.IntN(4), 1+rng.IntN(4)
		pad := []string{"valid", "same"}[rng.IntN(2)]
		length := k + rng.IntN(8)
		if pad == "same" {
			length = 1 + rng.IntN(10)
		}
		in := []layers.Shape{{length, 1 + rng.IntN(4)}}
		var l layers.Layer
		if trial%2 == 0 {
			p := layers.NewMaxPooling1D(k)
			p.Strides, p.Padding = s, pad
			l = p
		} else {
			p := layers.NewAveragePooling1D(k)
			p.Strides, p.Padding = s, pad
			l = p
		}
		name := fmt.Sprintf("%s k%d s%d %s in%v", l.ClassName(), k, s, pad, in[0])
		if err := gradcheck.Check(l, in, 1+rng.IntN(3), uint64(trial), gradcheck.Options{MaxChecks: 100}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestPooling1DHandWorked(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 3, 2, 5, 4}, 1, 5, 1)
	cases := []struct {
		max     bool
		k, s    int
		pad     string
		want    []float32
		wantLen int
	}{
		{true, 2, 2, "valid", []float32{3, 5}, 2},
		{true, 2, 2, "same", []float32{3, 5, 4}, 3},       // last window holds only 4 (-inf padding)
		{true, 3, 1, "same", []float32{3, 3, 5, 5, 5}, 5}, // pad 1 left, 1 right
		{false, 2, 2, "valid", []float32{2, 3.5}, 2},
		{false, 2, 2, "same", []float32{2, 3.5, 4}, 3},                     // 4 averaged alone, not (4+0)/2
		{false, 3, 1, "same", []float32{2, 2, 10.0 / 3, 11.0 / 3, 4.5}, 5}, // edges over 2 real values
		{false, 3, 2, "valid", []float32{2, 11.0 / 3}, 2},
	}
	for _, c := range cases {
		var l layers.Layer
		if c.max {
			p := layers.NewMaxPooling1D(c.k)
			p.Strides, p.Padding = c.s, c.pad
			l = p
		} else {
			p := layers.NewAveragePooling1D(c.k)
			p.Strides, p.Padding = c.s, c.pad
			l = p
		}
		y := run(t, l, nil, x)
		if y.Shape[1] != c.wantLen || !close32(y.Data, c.want) {
			t.Errorf("%s k%d s%d %s: %v, want %v", l.ClassName(), c.k, c.s, c.pad, y.Data, c.want)
		}
	}
}

func close32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if d := a[i] - b[i]; d > 1e-5 || d < -1e-5 {
			return false
		}
	}
	return true
}

// backward runs Backward with dOut and returns the input gradient.
func backward(l layers.Layer, ctx *layers.Context, x, y, dy *tensor.Tensor) *tensor.Tensor {
	dx := tensor.New(x.Shape...)
	l.Backward(ctx, []*tensor.Tensor{x}, []*tensor.Tensor{y}, []*tensor.Tensor{dy}, []*tensor.Tensor{dx})
	return dx
}

func TestMaxPoolingTiesGoToFirst(t *testing.T) {
	// TensorFlow's MaxPoolGrad gives a tied window's gradient to its first
	// maximum.
	p := layers.NewMaxPooling1D(3)
	x := tensor.FromSlice([]float32{2, 1, 2, 7, 7, 7}, 1, 6, 1)
	ctx := &layers.Context{}
	y := run(t, p, ctx, x)
	dx := backward(p, ctx, x, y, tensor.FromSlice([]float32{1, 10}, 1, 2, 1))
	if want := []float32{1, 0, 0, 10, 0, 0}; !reflect.DeepEqual(dx.Data, want) {
		t.Fatalf("dx %v, want %v", dx.Data, want)
	}
}

func TestGlobalPooling1DGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 24; trial++ {
		steps, ch, batch := 1+rng.IntN(9), 1+rng.IntN(5), 1+rng.IntN(4)
		var l layers.Layer
		keep := trial%3 == 0
		if trial%2 == 0 {
			p := layers.NewGlobalMaxPooling1D()
			p.Keepdims = keep
			l = p
		} else {
			p := layers.NewGlobalAveragePooling1D()
			p.Keepdims = keep
			l = p
		}
		x := tensor.New(batch, steps, ch)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		if trial%4 >= 2 { // masked, including fully masked samples
			x.Mask = make([]bool, batch*steps)
			for i := range x.Mask {
				x.Mask[i] = rng.IntN(3) > 0
			}
		}
		// GlobalMaxPooling1D also writes its input gradient over NaNs
		// (Context.SetInputGrad), masked steps included, in half its trials.
		set := trial%2 == 0 && trial%8 >= 4
		err := gradcheck.Check(l, []layers.Shape{{steps, ch}}, batch, uint64(trial), gradcheck.Options{Inputs: []*tensor.Tensor{x}, MaxChecks: 100, SetInputGrad: set})
		if err != nil {
			t.Fatalf("%s keepdims=%v in (%d, %d, %d) masked=%v setDx=%v: %v", l.ClassName(), keep, batch, steps, ch, x.Mask != nil, set, err)
		}
	}
}

func TestGlobalMaxPoolingTiesShareGradient(t *testing.T) {
	// TensorFlow's reduce_max gradient splits equally among tied maxima.
	p := layers.NewGlobalMaxPooling1D()
	x := tensor.FromSlice([]float32{3, 1, 1, 5, 3, 5, 2, 0}, 1, 4, 2)
	ctx := &layers.Context{}
	y := run(t, p, ctx, x)
	if !reflect.DeepEqual(y.Data, []float32{3, 5}) {
		t.Fatalf("y %v", y.Data)
	}
	dx := backward(p, ctx, x, y, tensor.FromSlice([]float32{1, 4}, 1, 2))
	if want := []float32{0.5, 0, 0, 2, 0.5, 2, 0, 0}; !reflect.DeepEqual(dx.Data, want) {
		t.Fatalf("dx %v, want %v", dx.Data, want)
	}
}

func TestGlobalPoolingMask(t *testing.T) {
	// Sample 0: steps 1 and 3 are padding and hold the largest values.
	x := tensor.FromSlice([]float32{1, 9, 3, 9, 4, 5, 6, 7}, 2, 4, 1)
	x.Mask = []bool{true, false, true, false, false, false, false, false}
	ctx := &layers.Context{}
	mx := layers.NewGlobalMaxPooling1D()
	y := run(t, mx, ctx, x)
	if !reflect.DeepEqual(y.Data, []float32{3, 0}) {
		t.Fatalf("masked max %v, want [3 0]", y.Data)
	}
	dx := backward(mx, ctx, x, y, tensor.FromSlice([]float32{1, 1}, 2, 1))
	if want := []float32{0, 0, 1, 0, 0, 0, 0, 0}; !reflect.DeepEqual(dx.Data, want) {
		t.Fatalf("masked max dx %v", dx.Data)
	}
	avg := layers.NewGlobalAveragePooling1D()
	avg.Keepdims = true
	ctx = &layers.Context{}
	y = run(t, avg, ctx, x)
	if !reflect.DeepEqual(y.Shape, []int{2, 1, 1}) || !reflect.DeepEqual(y.Data, []float32{2, 0}) {
		t.Fatalf("masked mean %v %v, want [2 0]", y.Shape, y.Data)
	}
	dx = backward(avg, ctx, x, y, tensor.FromSlice([]float32{1, 1}, 2, 1, 1))
	if want := []float32{0.5, 0, 0.5, 0, 0, 0, 0, 0}; !reflect.DeepEqual(dx.Data, want) {
		t.Fatalf("masked mean dx %v", dx.Data)
	}
	if y.Mask != nil {
		t.Fatal("global pooling passed a mask on")
	}
}

func TestPoolingConfigAndErrors(t *testing.T) {
	mp := layers.NewMaxPooling1D(3)
	mp.Strides, mp.Padding = 2, "same"
	checkRoundTrip(t, mp)
	checkRoundTrip(t, layers.NewAveragePooling1D(2))
	g := layers.NewGlobalMaxPooling1D()
	g.Keepdims = true
	checkRoundTrip(t, g)
	checkRoundTrip(t, layers.NewGlobalAveragePooling1D())
	// Keras defaults: pool_size 2, strides = pool_size.
	l, err := layers.FromConfig("MaxPool1D", layers.Config{"pool_size": []any{4.0}, "strides": nil})
	if err != nil {
		t.Fatal(err)
	}
	if p := l.(*layers.MaxPooling1D); p.PoolSize != 4 || p.Strides != 4 || p.Padding != "valid" {
		t.Fatalf("%+v", p)
	}
	l, err = layers.FromConfig("average_pooling1d", layers.Config{})
	if err != nil || l.(*layers.AveragePooling1D).PoolSize != 2 || l.(*layers.AveragePooling1D).Strides != 2 {
		t.Fatalf("%v %v", l, err)
	}
	for _, alias := range []string{"GlobalMaxPool1D", "GlobalAvgPool1D", "global_max_pooling1d", "AvgPool1D"} {
		if _, ok := layers.ClassFor(alias); !ok {
			t.Errorf("alias %s unknown", alias)
		}
	}
	for _, bad := range []layers.Config{{"padding": "causal"}, {"pool_size": 0.0}, {"data_format": "channels_first"}} {
		l, err := layers.FromConfig("MaxPooling1D", bad)
		if err == nil {
			_, err = l.Build([]layers.Shape{{8, 2}}, nil)
		}
		if err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	_, err = layers.NewMaxPooling1D(5).Build([]layers.Shape{{3, 2}}, nil)
	if err == nil || !strings.Contains(err.Error(), "pool_size of at most 3") {
		t.Errorf("too-long window: %v", err)
	}
	if _, err := layers.NewGlobalAveragePooling1D().Build([]layers.Shape{{3}}, nil); err == nil {
		t.Error("rank-1 input accepted")
	}
}

// TestSplitPassesMatchSerial: the passes that share large batches among
// the cores (Embedding's lookup and scatter, GlobalMaxPooling1D forward
// and backward) give the bits of one core, on inputs with repeated
// indices and tied maxima.
func TestSplitPassesMatchSerial(t *testing.T) {
	const batch, steps, dim, vocab = 48, 40, 40, 30 // 76800 values: split
	rng := rand.New(rand.NewPCG(31, 32))
	idx := tensor.New(batch, steps)
	for i := range idx.Data {
		idx.Data[i] = float32(rng.IntN(vocab))
	}
	dy := tensor.New(batch, dim)
	for i := range dy.Data {
		dy.Data[i] = float32(rng.NormFloat64())
	}
	run := func(procs int) (h, y, dh, dw []float32) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		emb := layers.NewEmbedding(vocab, dim)
		pool := layers.NewGlobalMaxPooling1D()
		if _, err := emb.Build([]layers.Shape{{steps}}, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		table := rand.New(rand.NewPCG(7, 7))
		for i := range emb.Embeddings().Value.Data {
			emb.Embeddings().Value.Data[i] = float32(table.IntN(3)) // ties galore
		}
		if _, err := pool.Build([]layers.Shape{{steps, dim}}, nil); err != nil {
			t.Fatal(err)
		}
		ht, yt := tensor.New(batch, steps, dim), tensor.New(batch, dim)
		dht := tensor.New(batch, steps, dim)
		ce, cp := &layers.Context{Training: true}, &layers.Context{Training: true}
		emb.Forward(ce, []*tensor.Tensor{idx}, []*tensor.Tensor{ht})
		pool.Forward(cp, []*tensor.Tensor{ht}, []*tensor.Tensor{yt})
		pool.Backward(cp, []*tensor.Tensor{ht}, []*tensor.Tensor{yt}, []*tensor.Tensor{dy}, []*tensor.Tensor{dht})
		emb.Embeddings().Grad.Zero()
		emb.Backward(ce, []*tensor.Tensor{idx}, []*tensor.Tensor{ht}, []*tensor.Tensor{dht}, []*tensor.Tensor{nil})
		return ht.Data, yt.Data, dht.Data, emb.Embeddings().Grad.Data
	}
	h1, y1, dh1, dw1 := run(1)
	h2, y2, dh2, dw2 := run(2)
	for k, pair := range [][2][]float32{{h1, h2}, {y1, y2}, {dh1, dh2}, {dw1, dw2}} {
		for i := range pair[0] {
			if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
				t.Fatalf("output %d element %d: %v on one core, %v on two", k, i, pair[0][i], pair[1][i])
			}
		}
	}
}
