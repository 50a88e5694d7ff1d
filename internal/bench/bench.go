// Package bench times seqnet on the workloads of the PyTorch reference
// (torch_bench.py in the reference benchmarks, an optional folder outside
// this repository that bench/compare.sh reads from $REFERENCE): same
// models, sizes and metrics, printed as the same JSON lines so the two can
// be joined.
package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/seqnet/seqnet/internal/kernels"
	"github.com/seqnet/seqnet/internal/tutorial"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Result is one measurement, with the keys of torch_bench.py's lines.
type Result struct {
	System   string         `json:"system"`
	Threads  int            `json:"threads"`
	Workload string         `json:"workload"`
	Name     string         `json:"name"`
	Metric   string         `json:"metric"`
	Median   float64        `json:"median"`
	Min      float64        `json:"min"`
	Max      float64        `json:"max"`
	Reps     int            `json:"reps"`
	Extra    map[string]any `json:"extra,omitempty"`
}

// Options choose what to run and for how long.
type Options struct {
	Workloads []string // W1, W2, W2b, W3, W4, W5; all when empty
	Threads   int      // kernel threads; GOMAXPROCS when 0
	Reps      int      // timed repetitions (at least 3)
	MinTime   time.Duration
	// PeakFraction adds W4's forward pass as a fraction of the FMA peak,
	// the two timed in alternation rep by rep (kernels.FMAPeak on the same
	// number of threads), so that each ratio compares moments a second
	// apart. Without vector assembly (purego) the peak is plain Go's
	// scalar one, and the result is named for it.
	PeakFraction bool
}

// Workloads lists the workload ids in order.
var Workloads = []string{"W1", "W2", "W2b", "W3", "W4", "W5"}

// Run times the chosen workloads, calling emit for each result.
func Run(o Options, emit func(Result)) error {
	if o.Reps == 0 {
		o.Reps = 5
	}
	if o.Reps < 3 {
		return fmt.Errorf("reps must be at least 3, received %d", o.Reps)
	}
	if o.MinTime == 0 {
		o.MinTime = time.Second
	}
	if o.Threads == 0 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	if o.Threads < 1 {
		return fmt.Errorf("threads must be positive, received %d", o.Threads)
	}
	// Threads bounds the whole process, as torch.set_num_threads does for
	// PyTorch: the GEMM workers and the goroutines of the element-wise passes.
	prevProcs := runtime.GOMAXPROCS(o.Threads)
	defer runtime.GOMAXPROCS(prevProcs)
	prev := kernels.Threads()
	kernels.SetThreads(o.Threads)
	defer kernels.SetThreads(prev)
	ws := o.Workloads
	if len(ws) == 0 {
		ws = Workloads
	}
	base := Result{System: "seqnet-go", Threads: o.Threads}
	for _, w := range ws {
		f, ok := map[string]func(Options, Result, func(Result)) error{
			"W1": w1, "W2": w2, "W2b": w2b, "W3": w3, "W4": w4, "W5": w5,
		}[strings.TrimSpace(w)]
		if !ok {
			return fmt.Errorf("unknown workload %q: expected one of %s", w, strings.Join(Workloads, ", "))
		}
		if err := f(o, base, emit); err != nil {
			return fmt.Errorf("%s: %w", w, err)
		}
	}
	return nil
}

func summarize(r Result, vals []float64) Result {
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	r.Median, r.Min, r.Max, r.Reps = round4(med), round4(s[0]), round4(s[len(s)-1]), len(s)
	return r
}

func round4(v float64) float64 {
	var out float64
	fmt.Sscanf(fmt.Sprintf("%.4g", v), "%g", &out)
	return out
}

// timedReps runs step warmup times, calibrates calls per rep so a rep
// lasts at least MinTime, and returns items/s per rep (as torch_bench.py).
func timedReps(o Options, step func() error, items float64) ([]float64, int, error) {
	for i := 0; i < 3; i++ {
		if err := step(); err != nil {
			return nil, 0, err
		}
	}
	t0 := time.Now()
	if err := step(); err != nil {
		return nil, 0, err
	}
	one := time.Since(t0).Seconds()
	calls := int(o.MinTime.Seconds()/max(one, 1e-9)) + 1
	var out []float64
	for r := 0; r < o.Reps; r++ {
		t0 := time.Now()
		for c := 0; c < calls; c++ {
			if err := step(); err != nil {
				return nil, 0, err
			}
		}
		out = append(out, items*float64(calls)/time.Since(t0).Seconds())
	}
	return out, calls, nil
}

// w1 is the tutorial's three toy fits, kernel initialised to ones, 200
// Adam steps each: microseconds per training step.
func w1(o Options, base Result, emit func(Result)) error {
	for i, e := range tutorial.Experiments() {
		name := []string{"a", "b", "c"}[i]
		train := func() (time.Duration, *model.Model, error) {
			m, err := model.NewSequential(layers.Input(e.X.Shape[1:]...),
				layers.NewConv1D(e.Filters, 2, layers.NoBias(), layers.ConvKernelInitializer(layers.Constant(1))))
			if err != nil {
				return 0, nil, err
			}
			if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.05, LossName: "mae"}); err != nil {
				return 0, nil, err
			}
			t0 := time.Now()
			for s := 0; s < 200; s++ {
				if _, err := m.TrainOnBatch(e.X, e.Y); err != nil {
					return 0, nil, err
				}
			}
			return time.Since(t0), m, nil
		}
		if _, _, err := train(); err != nil {
			return err
		}
		var us []float64
		var last *model.Model
		for r := 0; r < o.Reps; r++ {
			dt, m, err := train()
			if err != nil {
				return err
			}
			us = append(us, float64(dt.Microseconds())/200)
			last = m
		}
		logs, err := last.Evaluate(e.X, e.Y, 1)
		if err != nil {
			return err
		}
		r := summarize(base, us)
		r.Workload, r.Name, r.Metric = "W1", "blog-toy-"+name, "us_per_train_step"
		r.Extra = map[string]any{"steps": 200, "init": "ones", "final_loss_mae": logs.Values["loss"],
			"final_kernel_keras_layout": last.Weights()[0].Data}
		emit(r)
	}
	return nil
}

func randTokens(rng *rand.Rand, batch, seq, vocab int) (*tensor.Tensor, *tensor.Tensor) {
	tok := tensor.New(batch, seq)
	for i := range tok.Data {
		tok.Data[i] = float32(rng.IntN(vocab))
	}
	y := tensor.New(batch, 1)
	for i := range y.Data {
		y.Data[i] = float32(rng.IntN(2))
	}
	return tok, y
}

func mustLayer(class string, cfg layers.Config) layers.Layer {
	l, err := layers.FromConfig(class, cfg)
	if err != nil {
		panic(fmt.Sprintf("bench: %s: %v", class, err))
	}
	return l
}

// textCNN is W2's model: Embedding(20000,128) → Conv1D(128,5,relu) →
// GlobalMaxPooling1D → Dense(1,sigmoid).
func textCNN(seq int) (*model.Model, error) {
	m, err := model.NewSequential(
		layers.Input(seq),
		mustLayer("Embedding", layers.Config{"input_dim": 20000, "output_dim": 128}),
		layers.NewConv1D(128, 5, layers.ConvActivation("relu")),
		mustLayer("GlobalMaxPooling1D", nil),
		layers.NewDense(1, "sigmoid"),
	)
	if err != nil {
		return nil, err
	}
	return m, m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 1e-3, LossName: "binary_crossentropy"})
}

// kimCNN is W2b's model: three branches k=3,4,5 × 128, concatenated,
// Dropout 0.5, Dense(1,sigmoid).
func kimCNN(seq int) (*model.Model, error) {
	in := model.Input(seq)
	emb := model.Call(mustLayer("Embedding", layers.Config{"input_dim": 20000, "output_dim": 128}), in)
	var branches []*model.Tensor
	for _, k := range []int{3, 4, 5} {
		c := model.Call(layers.NewConv1D(128, k, layers.ConvActivation("relu")), emb)
		branches = append(branches, model.Call(mustLayer("GlobalMaxPooling1D", nil), c))
	}
	h := model.Call(mustLayer("Concatenate", nil), branches...)
	h = model.Call(mustLayer("Dropout", layers.Config{"rate": 0.5}), h)
	out := model.Call(layers.NewDense(1, "sigmoid"), h)
	m, err := model.NewModel([]*model.Tensor{in}, []*model.Tensor{out}, 0)
	if err != nil {
		return nil, err
	}
	return m, m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 1e-3, LossName: "binary_crossentropy"})
}

func trainThroughput(o Options, base Result, emit func(Result), m *model.Model, x, y *tensor.Tensor, w, name string) error {
	vals, calls, err := timedReps(o, func() error { _, err := m.TrainOnBatch(x, y); return err }, float64(x.Shape[0]))
	if err != nil {
		return err
	}
	r := summarize(base, vals)
	r.Workload, r.Name, r.Metric = w, name, "train_samples_per_s"
	r.Extra = map[string]any{"batch": x.Shape[0], "steps_per_rep": calls}
	emit(r)
	return nil
}

func w2(o Options, base Result, emit func(Result)) error {
	m, err := textCNN(256)
	if err != nil {
		return err
	}
	x, y := randTokens(rand.New(rand.NewPCG(1, 1)), 64, 256, 20000)
	return trainThroughput(o, base, emit, m, x, y, "W2", "textcnn-train")
}

func w2b(o Options, base Result, emit func(Result)) error {
	m, err := kimCNN(256)
	if err != nil {
		return err
	}
	x, y := randTokens(rand.New(rand.NewPCG(1, 1)), 64, 256, 20000)
	return trainThroughput(o, base, emit, m, x, y, "W2b", "kimcnn-train")
}

// w3: (256, 64, 9) → Conv1D(64,3,relu) → Conv1D(64,3,relu) →
// MaxPooling1D(2) → Flatten → Dense(50,relu) → Dense(1); MSE; Adam.
func w3(o Options, base Result, emit func(Result)) error {
	m, x, y, err := timeseriesTask()
	if err != nil {
		return err
	}
	return trainThroughput(o, base, emit, m, x, y, "W3", "timeseries-train")
}

// timeseriesTask is W3's compiled model and a batch of 256 random series
// and targets.
func timeseriesTask() (*model.Model, *tensor.Tensor, *tensor.Tensor, error) {
	m, err := model.NewSequential(
		layers.Input(64, 9),
		layers.NewConv1D(64, 3, layers.ConvActivation("relu")),
		layers.NewConv1D(64, 3, layers.ConvActivation("relu")),
		mustLayer("MaxPooling1D", layers.Config{"pool_size": 2}),
		layers.NewFlatten(),
		layers.NewDense(50, "relu"),
		layers.NewDense(1, ""),
	)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 1e-3, LossName: "mse"}); err != nil {
		return nil, nil, nil, err
	}
	rng := rand.New(rand.NewPCG(2, 2))
	return m, randNormal(rng, 256, 64, 9), randNormal(rng, 256, 1), nil
}

// randNormal returns a tensor of standard normal values.
func randNormal(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// w4: one Conv1D, batch 32, length 512, 256→256 channels, kernel 3, same,
// with bias: forward GFLOP/s and forward+backward (3 passes) GFLOP/s.
func w4(o Options, base Result, emit func(Result)) error {
	const B, L, C, K = 32, 512, 256, 3
	conv := layers.NewConv1D(C, K, layers.Padding("same"))
	rng := rand.New(rand.NewPCG(3, 3))
	if _, err := conv.Build([]layers.Shape{{L, C}}, rng); err != nil {
		return err
	}
	x, y := randNormal(rng, B, L, C), tensor.New(B, L, C)
	gout, dx := randNormal(rng, B, L, C), tensor.New(B, L, C)
	ctx := &layers.Context{}
	in, out := []*tensor.Tensor{x}, []*tensor.Tensor{y}
	gflop := 2.0 * B * L * C * C * K / 1e9
	vals, calls, err := timedReps(o, func() error { conv.Forward(ctx, in, out); return nil }, gflop)
	if err != nil {
		return err
	}
	r := summarize(base, vals)
	r.Workload, r.Name, r.Metric = "W4", "conv1d-layer-fwd", "gflops"
	r.Extra = map[string]any{"shape": "B32 L512 Cin256 Cout256 K3 same", "calls_per_rep": calls}
	emit(r)
	params := conv.Common().Params()
	vals, calls, err = timedReps(o, func() error {
		for _, p := range params {
			p.Grad.Zero()
		}
		dx.Zero()
		conv.Forward(ctx, in, out)
		conv.Backward(ctx, in, out, []*tensor.Tensor{gout}, []*tensor.Tensor{dx})
		return nil
	}, 3*gflop)
	if err != nil {
		return err
	}
	r = summarize(base, vals)
	r.Workload, r.Name, r.Metric = "W4", "conv1d-layer-fwdbwd", "gflops"
	r.Extra = map[string]any{"shape": "B32 L512 Cin256 Cout256 K3 same", "calls_per_rep": calls}
	emit(r)
	if o.PeakFraction {
		return w4PeakFraction(o, base, emit, func() { conv.Forward(ctx, in, out) }, gflop)
	}
	return nil
}

// w4PeakFraction times the FMA peak and W4's forward pass in alternation,
// Reps rounds of one peak run and one forward rep each, and emits the
// forward's GFLOP/s as a fraction of the peak of the same round. Builds
// without vector assembly compare with plain Go's scalar peak instead
// (kernels.PeakLoop), under another name.
func w4PeakFraction(o Options, base Result, emit func(Result), forward func(), gflop float64) error {
	peakTime := min(o.MinTime, 300*time.Millisecond)
	var fractions, peaks []float64
	for rep := 0; rep < o.Reps; rep++ {
		peak := kernels.FMAPeak(o.Threads, peakTime)
		one := o
		one.Reps = 3 // timedReps' minimum; the median of the three is this round's figure
		vals, _, err := timedReps(one, func() error { forward(); return nil }, gflop)
		if err != nil {
			return err
		}
		sort.Float64s(vals)
		fractions = append(fractions, vals[1]/peak)
		peaks = append(peaks, peak)
	}
	r := summarize(base, fractions)
	r.Workload, r.Name, r.Metric = "W4", "conv1d-layer-fwd-of-fma-peak", "fraction"
	sort.Float64s(peaks)
	r.Extra = map[string]any{"fma_peak_gflops_median": round4(peaks[len(peaks)/2]), "rounds": len(fractions)}
	if kernels.PeakLoop() == "go-scalar" {
		// No vector assembly in this build: the peak is plain Go's
		// scalar multiply-add loop, not the hardware's FMA peak, and
		// the names say so.
		r.Name = "conv1d-layer-fwd-of-go-scalar-peak"
		r.Extra = map[string]any{"go_scalar_peak_gflops_median": round4(peaks[len(peaks)/2]), "rounds": len(fractions),
			"peak_loop": "plain-Go scalar multiply-add (not the hardware FMA peak)"}
	}
	emit(r)
	return nil
}

// w5: W2's model at inference: samples/s at batch 256, latency at batch 1.
func w5(o Options, base Result, emit func(Result)) error {
	m, err := textCNN(256)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x256, _ := randTokens(rng, 256, 256, 20000)
	x1, _ := randTokens(rng, 1, 256, 20000)
	vals, calls, err := timedReps(o, func() error { _, err := m.Predict(x256, 256); return err }, 256)
	if err != nil {
		return err
	}
	r := summarize(base, vals)
	r.Workload, r.Name, r.Metric = "W5", "textcnn-infer-b256", "samples_per_s"
	r.Extra = map[string]any{"batch": 256, "seq_len": 256, "calls_per_rep": calls}
	emit(r)
	for i := 0; i < 20; i++ {
		if _, err := m.Predict(x1, 1); err != nil {
			return err
		}
	}
	var meds []float64
	for rep := 0; rep < o.Reps; rep++ {
		var lat []float64
		end := time.Now().Add(o.MinTime)
		for time.Now().Before(end) || len(lat) < 50 {
			t0 := time.Now()
			if _, err := m.Predict(x1, 1); err != nil {
				return err
			}
			lat = append(lat, float64(time.Since(t0).Nanoseconds())/1e3)
		}
		sort.Float64s(lat)
		meds = append(meds, lat[len(lat)/2])
	}
	r = summarize(base, meds)
	r.Workload, r.Name, r.Metric = "W5", "textcnn-infer-b1-latency", "us_per_sample"
	r.Extra = map[string]any{"batch": 1, "seq_len": 256}
	emit(r)
	return nil
}
