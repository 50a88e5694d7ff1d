package model

import (
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// TestLibraryMisuseIsAnError checks that mistakes a library user can make
// come back as errors naming the fix, never as a panic.
func TestLibraryMisuseIsAnError(t *testing.T) {
	x, y := data(3, 10)
	glorot, _ := layers.GetInitializer("glorot_uniform")
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"NaN validation split", func() error {
			_, err := smallNet(t, 1).Fit(x, y, FitOptions{Epochs: 1, ValidationSplit: math.NaN()})
			return err
		}, "validation_split must be in [0, 1), received NaN"},
		{"Dense literal without activation", func() error {
			_, err := NewSequential(layers.Input(4, 2), layers.NewFlatten(), &layers.Dense{Units: 3, KernelInitializer: glorot})
			return err
		}, "the activation is nil"},
		{"Conv1D literal without activation", func() error {
			_, err := NewSequential(layers.Input(4, 2), &layers.Conv1D{Filters: 3, KernelSize: 2, Strides: 1, DilationRate: 1, Groups: 1, Padding: "valid"})
			return err
		}, "the activation is nil"},
		{"Dense literal without initializers", func() error {
			lin, _ := layers.GetActivation("linear")
			_, err := NewSequential(layers.Input(4, 2), layers.NewFlatten(), &layers.Dense{Units: 3, Activation: lin, UseBias: true})
			return err
		}, `the initializer of weight "kernel" is nil`},
		{"nil weight in SetWeights", func() error {
			m := smallNet(t, 1)
			w := m.Weights()
			w[1] = nil
			return m.SetWeights(w)
		}, "weight 1 (layer \"conv1d\", bias) is nil: expected an array of shape (4,)"},
	}
	for _, c := range cases {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panicked: %v", c.name, r)
				}
			}()
			err = c.run()
		}()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestSizesAreCheckedBeforeAllocating checks that a model, batch or input
// too large for MaxMemory is refused with its counts before anything is
// allocated (a Conv1D of 10⁹ filters grew to 12.8 GB in 60 s).
func TestSizesAreCheckedBeforeAllocating(t *testing.T) {
	defer func(old int64) { MaxMemory = old }(MaxMemory)
	MaxMemory = 64 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := NewSequential(layers.Input(10, 3), layers.NewConv1D(1000000000, 3))
	if err == nil || !strings.Contains(err.Error(), "10000000000 weights") || !strings.Contains(err.Error(), "above the limit of 64 MiB") {
		t.Errorf("huge Conv1D: %v", err)
	}
	_, err = NewSequential(layers.Input(2000000000, 3), layers.NewConv1D(4, 3))
	if err == nil || !strings.Contains(err.Error(), "activation values per sample") {
		t.Errorf("huge input: %v", err)
	}
	_, err = NewSequential(layers.Input(4, 1), layers.NewFlatten(), layers.NewDense(min(1<<40, math.MaxInt), ""))
	if err == nil || !strings.Contains(err.Error(), "must be between 1 and 2147483647") {
		t.Errorf("Dense of 2⁴⁰ units: %v", err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("refusing the models allocated %d bytes", grew)
	}
	m, err := NewSequential(layers.Input(1000, 8), layers.NewConv1D(64, 3), layers.NewFlatten(), layers.NewDense(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(CompileOptions{LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	x, y := tensor.New(300, 1000, 8), tensor.New(300, 1)
	if _, err := m.Fit(x, y, FitOptions{Epochs: 1, BatchSize: 300}); err == nil || !strings.Contains(err.Error(), "lower the batch size") {
		t.Errorf("fit with a batch too large: %v", err)
	}
	if _, err := m.Fit(x, y, FitOptions{Epochs: 1, BatchSize: 8}); err != nil {
		t.Errorf("fit with a batch that fits: %v", err)
	}
}

// TestPerStepSparseClassification: a Conv1D(same) → Dense(3, softmax)
// model with integer targets of shape (N, steps) trains per-step
// classification with accuracy, and a metric whose shape does not fit the
// predictions (mae on class indices) is an error naming both shapes (it
// panicked with index out of range in losses/metrics.go).
func TestPerStepSparseClassification(t *testing.T) {
	build := func(metrics ...string) *Model {
		m, err := NewSequential(layers.Input(6, 2), layers.NewConv1D(8, 3, layers.Padding("same"), layers.ConvActivation("relu")), layers.NewDense(3, "softmax"))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(CompileOptions{LossName: "sparse_categorical_crossentropy", LearningRate: 0.05, Metrics: metrics}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	x, y := tensor.New(64, 6, 2), tensor.New(64, 6)
	for i := range y.Data {
		c := i % 3
		y.Data[i] = float32(c)
		x.Data[2*i+c%2] = float32(c) // class 0: (0,0), 1: (0,1), 2: (2,0)
	}
	_, err := build("mae").Fit(x, y, FitOptions{Epochs: 1})
	if err == nil || !strings.Contains(err.Error(), "metric mean_absolute_error") && !strings.Contains(err.Error(), "metric mae") ||
		!strings.Contains(err.Error(), "(64, 6)") || !strings.Contains(err.Error(), "(64, 6, 3)") {
		t.Errorf("mae on per-step class indices: %v", err)
	}
	h, err := build("accuracy").Fit(x, y, FitOptions{Epochs: 60, BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	if acc := h.Last("accuracy"); acc < 0.99 {
		t.Errorf("per-step accuracy %.3f after 60 epochs on a separable task, want ≥ 0.99", acc)
	}
}

// TestPredictOnMultiOutputPointsToPredictMulti: Predict returned the first
// output of a two-output model and dropped the other.
func TestPredictOnMultiOutputPointsToPredictMulti(t *testing.T) {
	in := Input(4, 2)
	f := Call(layers.NewFlatten(), in)
	m, err := NewModel([]*Tensor{in}, []*Tensor{Call(layers.NewDense(1, ""), f), Call(layers.NewDense(3, "softmax"), f)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.New(5, 4, 2)
	if _, err := m.Predict(x, 0); err == nil || !strings.Contains(err.Error(), "the model has 2 outputs and Predict returns one: use PredictMulti") {
		t.Errorf("Predict on two outputs: %v", err)
	}
	outs, err := m.PredictMulti([]*tensor.Tensor{x}, 0)
	if err != nil || len(outs) != 2 || outs[1].Shape[1] != 3 {
		t.Errorf("PredictMulti: %v %v", outs, err)
	}
}
