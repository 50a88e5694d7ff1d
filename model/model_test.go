package model

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// smallNet is a conv → flatten → dense regressor on (12, 3) inputs.
func smallNet(t testing.TB, seed uint64) *Model {
	m, err := NewSequential(
		layers.Input(12, 3),
		layers.NewConv1D(4, 3, layers.ConvActivation("relu"), layers.Padding("same")),
		layers.NewConv1D(5, 2, layers.Strides(2), layers.ConvActivation("tanh")),
		layers.NewFlatten(),
		layers.NewDense(2, ""),
	)
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileOptions{OptimizerName: "adam", LearningRate: 0.01, LossName: "mse", Metrics: []string{"mae"}}); err != nil {
		t.Fatal(err)
	}
	return m
}

func data(seed uint64, n int) (*tensor.Tensor, *tensor.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := randTensor(rng, n, 12, 3)
	y := tensor.New(n, 2)
	for i := 0; i < n; i++ {
		var s, d float32
		for j := 0; j < 36; j++ {
			s += x.Data[i*36+j]
			if j%3 == 0 {
				d += x.Data[i*36+j]
			}
		}
		y.Data[i*2], y.Data[i*2+1] = s/6, d/4
	}
	return x, y
}

func TestFitLearnsAndIsRepeatable(t *testing.T) {
	x, y := data(1, 200)
	run := func() (*Model, *History) {
		m := smallNet(t, 7)
		h, err := m.Fit(x, y, FitOptions{Epochs: 30, BatchSize: 16, ValidationSplit: 0.2})
		if err != nil {
			t.Fatal(err)
		}
		return m, h
	}
	m1, h1 := run()
	m2, _ := run()
	if first, last := h1.Metrics["loss"][0], h1.Last("loss"); !(last < first/4) {
		t.Errorf("loss went from %g to %g: the model did not learn", first, last)
	}
	if len(h1.Metrics["val_loss"]) != 30 || len(h1.Metrics["val_mae"]) != 30 || len(h1.Metrics["mae"]) != 30 {
		t.Errorf("history keys %v", h1.Keys)
	}
	for i, w := range m1.Weights() {
		if fmt.Sprint(w.Data) != fmt.Sprint(m2.Weights()[i].Data) {
			t.Fatalf("weight %d differs between two runs with the same seed", i)
		}
	}
}

// TestValidationSplitTakesTheLastSamples: Keras takes the last fraction
// before shuffling.
func TestValidationSplitTakesTheLastSamples(t *testing.T) {
	x, y := data(2, 50)
	m := smallNet(t, 1)
	h, err := m.Fit(x, y, FitOptions{Epochs: 1, ValidationSplit: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	// Validation is computed after the epoch's updates: evaluate the last
	// 10 samples now and compare.
	logs, err := m.Evaluate(x.Rows(40, 50), y.Rows(40, 50), 32)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(logs.Values["loss"]-h.Last("val_loss")) > 1e-6 {
		t.Errorf("val_loss %g, loss on the last 10 samples %g", h.Last("val_loss"), logs.Values["loss"])
	}
}

// TestResumeEqualsUninterrupted stops training in the middle of an epoch,
// restores the saved state into a fresh model, resumes, and must end with
// the same weights as one uninterrupted run.
func TestResumeEqualsUninterrupted(t *testing.T) {
	x, y := data(3, 100)
	full := smallNet(t, 5)
	if _, err := full.Fit(x, y, FitOptions{Epochs: 4, BatchSize: 16}); err != nil {
		t.Fatal(err)
	}
	part := smallNet(t, 5)
	stopper := &batchStopper{at: 2*7 + 3} // epoch 2, batch 3
	if _, err := part.Fit(x, y, FitOptions{Epochs: 4, BatchSize: 16, Callbacks: []Callback{stopper}}); err != nil {
		t.Fatal(err)
	}
	st, rng := part.TrainingState()
	if st.Epoch != 2 || st.Batch != 4 {
		t.Fatalf("stopped at epoch %d batch %d, want 2 and 4", st.Epoch, st.Batch)
	}
	// A fresh model with the saved weights, optimizer state and training state.
	resumed := smallNet(t, 99)
	if err := resumed.SetWeights(part.Weights()); err != nil {
		t.Fatal(err)
	}
	ob, rb := part.Optimizer().Common(), resumed.Optimizer().Common()
	rb.Iterations = ob.Iterations
	rb.Slots = cloneSlots(ob.Slots)
	if err := resumed.SetTrainingState(st, rng); err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Fit(x, y, FitOptions{Epochs: 4, BatchSize: 16, Resume: true}); err != nil {
		t.Fatal(err)
	}
	for i, w := range full.Weights() {
		if fmt.Sprint(w.Data) != fmt.Sprint(resumed.Weights()[i].Data) {
			t.Fatalf("weight %d differs after resume", i)
		}
	}
}

func cloneSlots(s [][][]float32) [][][]float32 {
	out := make([][][]float32, len(s))
	for i := range s {
		for _, v := range s[i] {
			out[i] = append(out[i], append([]float32(nil), v...))
		}
	}
	return out
}

type batchStopper struct {
	CallbackBase
	n, at int
}

func (b *batchStopper) OnBatchEnd(int, Logs) {
	if b.n == b.at {
		b.M.Stop()
	}
	b.n++
}

func TestPredictIsSafeConcurrently(t *testing.T) {
	x, y := data(4, 64)
	m := smallNet(t, 3)
	if _, err := m.Fit(x, y, FitOptions{Epochs: 2}); err != nil {
		t.Fatal(err)
	}
	want, err := m.Predict(x, 7)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < 20; r++ {
				got, err := m.Predict(x, 1+(g+r)%9)
				if err != nil {
					errs <- err.Error()
					return
				}
				for i := range got.Data {
					if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-5 {
						errs <- fmt.Sprintf("goroutine %d: prediction %d = %g, want %g", g, i, got.Data[i], want.Data[i])
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestPredictKeepsBuffersAcrossGC: garbage collections between two Predict
// calls do not make the second build its activation buffers again (it
// allocates its result, as without them). Two collections: a sync.Pool
// keeps its objects through one.
func TestPredictKeepsBuffersAcrossGC(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates by itself")
	}
	x, _ := data(6, 40)
	m := smallNet(t, 3)
	predict := func() {
		if _, err := m.Predict(x, 16); err != nil {
			t.Fatal(err)
		}
	}
	predict()
	plain := testing.AllocsPerRun(10, predict)
	afterGC := testing.AllocsPerRun(5, func() { runtime.GC(); runtime.GC(); predict() })
	if afterGC != plain {
		t.Errorf("Predict allocates %v times after two garbage collections, %v times without", afterGC, plain)
	}
}

// TestRunnerKeepsRecentBatchSizes: a runner keeps the executors of the
// maxExecutors batch sizes used last, and drops the least recently used.
func TestRunnerKeepsRecentBatchSizes(t *testing.T) {
	r := &runner{m: smallNet(t, 3)}
	first := map[int]*executor{}
	for _, b := range []int{1, 2, 3, 4} {
		first[b] = r.get(b)
	}
	r.get(1)         // 2 is now the least recently used
	five := r.get(5) // drops 2
	if len(r.byBatch) != maxExecutors {
		t.Fatalf("runner keeps %d executors, want %d", len(r.byBatch), maxExecutors)
	}
	if _, ok := r.byBatch[2]; ok {
		t.Error("batch 2, the least recently used, was kept")
	}
	for _, b := range []int{1, 3, 4} {
		if r.get(b) != first[b] {
			t.Errorf("batch %d: its executor was built again", b)
		}
	}
	if r.get(5) != five || r.get(5).batch != 5 {
		t.Error("batch 5: its executor was not kept")
	}
}

// TestTrainStepDoesNotAllocate: after the first batch every buffer is reused.
func TestTrainStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates by itself")
	}
	x, y := data(5, 64)
	m := smallNet(t, 3)
	if _, err := m.Fit(x, y, FitOptions{Epochs: 1, BatchSize: 16}); err != nil {
		t.Fatal(err)
	}
	metrics, _ := m.metrics(Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{y}})
	acc := newAccumulator(metrics)
	rng := rand.New(rand.NewPCG(1, 1))
	bufs := newBatchBuffers(Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{y}}, 16)
	idx := []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}
	d := Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{y}}
	step := func() {
		xs, ys := bufs.gather(d, idx)
		m.trainStep(xs, ys, rng, acc, metrics)
	}
	checkNoAllocs(t, step)
}

// checkNoAllocs warms step up, then checks that it allocates nothing, also
// right after a garbage collection (the user's program allocates), which
// must not make it allocate its buffers again.
func checkNoAllocs(t *testing.T, step func()) {
	t.Helper()
	step()
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Errorf("a training step allocates %v times", n)
	}
	if n := testing.AllocsPerRun(3, func() { runtime.GC(); step() }); n != 0 {
		t.Errorf("a training step after a garbage collection allocates %v times", n)
	}
}

func TestErrorsAreForPeople(t *testing.T) {
	x, y := data(6, 10)
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"x/y mismatch", func() error { _, err := smallNet(t, 1).Fit(x, y.Rows(0, 9), FitOptions{Epochs: 1}); return err },
			"x has 10 samples but y has 9"},
		{"wrong input shape", func() error {
			_, err := smallNet(t, 1).Fit(tensor.New(10, 3, 12), y, FitOptions{Epochs: 1})
			return err
		}, "steps and channels look swapped"},
		{"missing channel axis", func() error {
			m, _ := NewSequential(layers.Input(12, 1), layers.NewFlatten(), layers.NewDense(1, ""))
			_ = m.Compile(CompileOptions{LossName: "mse"})
			_, err := m.Predict(tensor.New(4, 12), 0)
			return err
		}, "add a channel axis: reshape to (4, 12, 1)"},
		{"NaN", func() error {
			xx := x.Clone()
			xx.Data[40] = float32(math.NaN())
			_, err := smallNet(t, 1).Fit(xx, y, FitOptions{Epochs: 1})
			return err
		}, "holds NaN at sample 1"},
		{"empty", func() error {
			_, err := smallNet(t, 1).Fit(x.Rows(0, 0), y.Rows(0, 0), FitOptions{Epochs: 1})
			return err
		},
			"input 0 is empty"},
		{"unknown loss", func() error { return smallNet(t, 1).Compile(CompileOptions{LossName: "maee"}) }, `unknown loss "maee"`},
		{"unknown optimizer", func() error { return smallNet(t, 1).Compile(CompileOptions{LossName: "mae", OptimizerName: "adamw2"}) },
			`unknown optimizer "adamw2"`},
		{"unknown activation", func() error {
			_, err := NewSequential(layers.Input(4, 1), layers.NewDense(1, "rellu"))
			return err
		}, `unknown activation "rellu"`},
		{"wrong targets", func() error {
			_, err := smallNet(t, 1).Fit(x, tensor.New(10, 3), FitOptions{Epochs: 1})
			return err
		}, "targets of shape (10, 3) do not match predictions of shape (10, 2)"},
		{"tutorial reader", func() error {
			_, err := NewSequential(layers.Input(1, 45), layers.NewConv1D(128, 10, layers.Strides(5)))
			return err
		}, "if each sample is a 45-step series of 1 feature, reshape it to (N, 45, 1)"},
		{"set weights", func() error { return smallNet(t, 1).SetWeights(smallNet(t, 1).Weights()[:2]) },
			"the model has 6 weight arrays, received 2"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestSummaryAsKeras(t *testing.T) {
	m := smallNet(t, 1)
	s := m.Summary()
	for _, want := range []string{
		`Model: "sequential"`,
		"│ conv1d (Conv1D)                 │ (None, 12, 4)          │            40 │",
		"│ conv1d_1 (Conv1D)               │ (None, 6, 5)           │            45 │",
		"│ flatten (Flatten)               │ (None, 30)             │             0 │",
		"│ dense (Dense)                   │ (None, 2)              │            62 │",
		" Total params: 147 (588.00 B)",
		" Trainable params: 147 (588.00 B)",
		" Non-trainable params: 0 (0.00 B)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestFunctionalFanOutAddsGradients(t *testing.T) {
	// One Dense output feeds two branches that are concatenated by a
	// Dense that reads both through a Flatten of each: here simply two
	// Dense layers on the same tensor whose outputs are both model outputs.
	in := Input(6)
	h := Call(layers.NewDense(4, "tanh"), in)
	a := Call(layers.NewDense(1, ""), h)
	b := Call(layers.NewDense(2, ""), h)
	m, err := NewModel([]*Tensor{in}, []*Tensor{a, b}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileOptions{LossName: "mse", Optimizer: nil, OptimizerName: "sgd", LearningRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := randTensor(rng, 40, 6)
	ya, yb := tensor.New(40, 1), tensor.New(40, 2)
	for i := 0; i < 40; i++ {
		ya.Data[i] = x.Data[i*6] - x.Data[i*6+1]
		yb.Data[2*i], yb.Data[2*i+1] = x.Data[i*6+2], -x.Data[i*6+3]
	}
	d := Dataset{X: []*tensor.Tensor{x}, Y: []*tensor.Tensor{ya, yb}}
	h0, err := m.FitData(d, FitOptions{Epochs: 60, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !(h0.Last("loss") < h0.Metrics["loss"][0]/3) {
		t.Errorf("two-output model did not learn: %v → %v", h0.Metrics["loss"][0], h0.Last("loss"))
	}
	var buf bytes.Buffer
	buf.WriteString(m.Summary())
	if !strings.Contains(buf.String(), "dense[0][0]") {
		t.Errorf("functional summary lacks connections:\n%s", buf.String())
	}
}

// TestLargeTrainStepDoesNotAllocate: the same on a W3-sized model whose
// products split over the cores: whole-batch convolutions ('valid' and
// 'causal'), max pooling, Dense, Adam.
func TestLargeTrainStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates by itself")
	}
	m, err := NewSequential(
		layers.Input(64, 9),
		layers.NewConv1D(64, 3, layers.ConvActivation("relu")),
		layers.NewConv1D(64, 3, layers.ConvActivation("relu"), layers.Padding("causal")),
		layers.NewMaxPooling1D(2),
		layers.NewFlatten(),
		layers.NewDense(50, "relu"),
		layers.NewDense(1, ""),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileOptions{OptimizerName: "adam", LearningRate: 1e-3, LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	x, y := tensor.New(128, 64, 9), tensor.New(128, 1)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for i := range y.Data {
		y.Data[i] = float32(rng.NormFloat64())
	}
	step := func() {
		if _, err := m.TrainOnBatch(x, y); err != nil {
			t.Fatal(err)
		}
	}
	checkNoAllocs(t, step)
}

// TestTextTrainStepDoesNotAllocate: the same for a text CNN large enough
// that the embedding lookup and scatter and the global max pooling share
// their passes among the cores.
func TestTextTrainStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates by itself")
	}
	m, err := NewSequential(
		layers.Input(64),
		layers.NewEmbedding(1000, 32),
		layers.NewConv1D(32, 3, layers.ConvActivation("relu")),
		layers.NewGlobalMaxPooling1D(),
		layers.NewDense(1, "sigmoid"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileOptions{OptimizerName: "adam", LearningRate: 1e-3, LossName: "binary_crossentropy"}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	x, y := tensor.New(64, 64), tensor.New(64, 1)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(1000))
	}
	for i := range y.Data {
		y.Data[i] = float32(rng.IntN(2))
	}
	step := func() {
		if _, err := m.TrainOnBatch(x, y); err != nil {
			t.Fatal(err)
		}
	}
	checkNoAllocs(t, step)
}
