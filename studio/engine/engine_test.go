package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/tutorial"
)

func TestConvTutorial(t *testing.T) {
	r := Conv(ConvRequest{Input: "0,3,4,5", Kernel: "1,2", Strides: 1, Dilation: 1, Padding: "valid"})
	if r.Error != "" || r.Result == nil {
		t.Fatalf("error %q", r.Error)
	}
	want := []float32{6, 11, 14}
	for i, w := range want {
		if r.Result.Output[i][0] != w || r.LayerOutput[i][0] != w {
			t.Errorf("step %d: explain %v, layer %v, want %v", i, r.Result.Output[i][0], r.LayerOutput[i][0], w)
		}
	}
}

// The hand-worked output and layers.Conv1D's forward pass agree on random
// specs of every padding, with strides or dilation and bias.
func TestConvLayerAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	list := func(n int) string {
		p := make([]string, n)
		for i := range p {
			p[i] = strconvF(float64(rng.IntN(19)-9) / 2)
		}
		return strings.Join(p, ",")
	}
	worked := 0
	for trial := range 60 {
		steps, k := 1+rng.IntN(9), 1+rng.IntN(4)
		req := ConvRequest{Input: list(steps), Kernel: list(k), Strides: 1, Dilation: 1,
			Padding: []string{"valid", "same", "causal"}[trial%3]}
		if trial%2 == 0 {
			req.Strides = 1 + rng.IntN(3)
		} else {
			req.Dilation = 1 + rng.IntN(3)
		}
		if trial%4 == 1 {
			req.Bias = list(1)
		}
		r := Conv(req)
		if r.Error != "" {
			if r.ShapeError == "" && req.Padding == "valid" {
				t.Errorf("%+v: %s without the shape diagnosis", req, r.Error)
			}
			continue
		}
		worked++
		if r.Formula == nil || r.Formula.Out != len(r.Result.Output) {
			t.Errorf("%+v: formula %+v for %d steps", req, r.Formula, len(r.Result.Output))
		}
		for i, row := range r.Result.Output {
			if d := math.Abs(float64(row[0] - r.LayerOutput[i][0])); d > 1e-5 {
				t.Errorf("%+v step %d: explain %v, layer %v", req, i, row[0], r.LayerOutput[i][0])
			}
		}
	}
	if worked < 30 {
		t.Errorf("only %d of 60 random specs had an output", worked)
	}
}

func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// An impossible setting gives `seqnet shape`'s diagnosis and fix.
func TestConvImpossible(t *testing.T) {
	r := Conv(ConvRequest{Input: "0,3,4", Kernel: "1,2,3,4,5", Strides: 1, Dilation: 1, Padding: "valid"})
	if r.Result != nil || !strings.Contains(r.Error, "use a kernel_size of at most 3") {
		t.Fatalf("got %+v", r)
	}
	if r.ShapeCommand != "seqnet shape --input 1,3,1 conv1d:filters=1,kernel_size=5,strides=1,padding=valid,dilation_rate=1" ||
		!strings.Contains(r.ShapeError, "fix: use a kernel of at most 3, padding=same, or longer sequences") {
		t.Errorf("got %q\n%q", r.ShapeCommand, r.ShapeError)
	}
	long := strings.TrimSuffix(strings.Repeat("1,", MaxSteps+1), ",")
	if r := Conv(ConvRequest{Input: long, Kernel: "1,2", Strides: 1, Dilation: 1}); !strings.Contains(r.Error, "the page draws at most 256") {
		t.Errorf("257 steps: %+v", r.Error)
	}
	if r := Conv(ConvRequest{Input: long[2:], Kernel: "1,2", Strides: 1, Dilation: 1}); r.Error != "" || len(r.Result.Output) != MaxSteps-1 {
		t.Errorf("256 steps: %+v", r.Error)
	}
	if r := Conv(ConvRequest{Input: "0,3,4", Kernel: "1,2", Strides: 0, Dilation: 1}); !strings.Contains(r.Error, "strides must be at least 1") {
		t.Errorf("strides 0: %+v", r)
	}
}

func TestShapeReadersCase(t *testing.T) {
	r := Shape("16070,1,45", "conv1d:filters=128,kernel_size=10,strides=5\nflatten dense:units=1")
	if r.ErrorLayer != 1 || r.Complete || !strings.Contains(r.Error, "fix: if each sample is a 45-step series of one feature, the shape is (16070, 45, 1): --input 16070,45,1") {
		t.Errorf("got %+v", r)
	}
	if r.Command != "seqnet shape --input 16070,1,45 conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1" {
		t.Errorf("command %q", r.Command)
	}
	r = Shape("16070,45,1", "conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1")
	if r.Error != "" || !r.Complete || len(r.Rows) != 4 || r.Rows[3].Shape != "(16070, 1)" {
		t.Errorf("got %+v", r)
	}
	if r := Shape(" ", "flatten"); r.Error == "" {
		t.Errorf("empty input accepted")
	}
}

// Stepping the trainer is the tutorial's Fit, epoch for epoch: after 200
// epochs the kernel is bit-identical to tutorial.Experiment.Run's.
func TestTrainerMatchesTutorial(t *testing.T) {
	for i, e := range tutorial.Experiments() {
		want, err := e.Run(7, 200, 200, nil)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := NewTrainer(i, 7)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Start(); err != nil {
			t.Fatal(err)
		}
		var last State
		for range 4 {
			states, err := tr.Step(50)
			if err != nil {
				t.Fatal(err)
			}
			last = states[len(states)-1]
		}
		if last.Epoch != 200 || math.Abs(last.Loss-want.Loss) > 1e-6 {
			t.Errorf("experiment %d: epoch %d loss %v, tutorial %v", i+1, last.Epoch, last.Loss, want.Loss)
		}
		for k := range want.Kernel {
			if last.Kernel[k] != want.Kernel[k] {
				t.Errorf("experiment %d: kernel %v, tutorial %v", i+1, last.Kernel, want.Kernel)
				break
			}
		}
		if i == 0 && (math.Abs(float64(last.Kernel[0]-1)) > 0.1 || math.Abs(float64(last.Kernel[1]-2)) > 0.1) {
			t.Errorf("experiment 1 learned %v, want within 0.1 of [1 2]", last.Kernel)
		}
	}
}

// Experiment 1's loss surface is zero at [1, 2] and is MAE elsewhere: at
// (0, 0) the prediction is 0, so the loss is mean(6, 11, 14).
func TestSurface(t *testing.T) {
	tr, err := NewTrainer(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tr.Surface(0, 1, 0, 2, 0, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Loss[2][1] > 1e-6 || math.Abs(s.Loss[0][0]-31.0/3) > 1e-5 || s.Min != s.Loss[2][1] {
		t.Errorf("surface %v", s.Loss)
	}
	if _, err := tr.Surface(0, 0, 0, 1, 0, 1, 3); err == nil {
		t.Error("same weight twice accepted")
	}
	if _, err := tr.Surface(0, 1, 0, 1, 0, 1, 1000); err == nil {
		t.Error("huge grid accepted")
	}
	if _, err := NewTrainer(3, 1); err == nil || !strings.Contains(err.Error(), "expected 1 to 3") {
		t.Errorf("experiment 4: %v", err)
	}
}

func TestExperimentsPairs(t *testing.T) {
	ex := Experiments()
	if len(ex) != 3 || len(ex[0].Pairs) != 1 || len(ex[1].Pairs) != 2 || len(ex[2].Pairs) != 2 {
		t.Fatalf("pairs %+v", ex)
	}
	// Experiment 3: filter 1's taps are kernel[0][0][1] = flat 1 and kernel[1][0][1] = flat 3 ([3, 4]).
	if p := ex[2].Pairs[1]; p.I != 1 || p.J != 3 || ex[2].Want[p.I] != 3 || ex[2].Want[p.J] != 4 {
		t.Errorf("experiment 3 pair %+v", p)
	}
	// Experiment 2: channel 1's taps are kernel[0][1][0] = flat 1 and kernel[1][1][0] = flat 3 ([3, 4]).
	if p := ex[1].Pairs[1]; p.I != 1 || p.J != 3 || ex[1].Want[p.I] != 3 || ex[1].Want[p.J] != 4 {
		t.Errorf("experiment 2 pair %+v", p)
	}
}
