package explain

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/explain/internal/explaintest"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// TestMaskedRecurrentTokenModel: Embedding(mask_zero) → LSTM → Dropout →
// Dense softmax on padded rows. Integrated gradients walk the chain after
// the Embedding with the rows' mask: they add up to f(x) − f(baseline),
// padding gets exactly zero, and Unit -1 explains each row's predicted
// class.
func TestMaskedRecurrentTokenModel(t *testing.T) {
	const steps, classes = 9, 3
	emb := layers.NewEmbedding(15, 5)
	emb.MaskZero = true
	m, err := model.NewSequential(layers.Input(steps), emb, layers.NewLSTM(6), layers.NewDropout(0.3), layers.NewDense(classes, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = 21
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	x := tensor.New(7, steps)
	length := make([]int, 7)
	for i := range 7 {
		length[i] = 3 + rng.IntN(steps-3)
		for s := range length[i] {
			x.Data[i*steps+s] = float32(1 + rng.IntN(14))
		}
	}
	pred, err := m.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	as, err := IntegratedGradients(m, x, Options{Unit: -1, Steps: 256})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range as {
		if want := argmaxUnit(pred, i); a.Unit != want {
			t.Errorf("row %d: unit %d explained, predicted class is %d", i, a.Unit, want)
		}
		if math.Abs(a.Prediction-float64(pred.Data[i*classes+a.Unit])) > 1e-6 {
			t.Errorf("row %d: prediction %g, model says %g", i, a.Prediction, pred.Data[i*classes+a.Unit])
		}
		diff := a.Prediction - a.BaselinePrediction
		if math.Abs(a.Gap) > 0.01*math.Abs(diff)+1e-6 {
			t.Errorf("row %d: Σ attributions %g, f(x) − f(baseline) %g", i, a.Total(), diff)
		}
		for s := length[i]; s < steps; s++ {
			if a.Scores[s] != 0 {
				t.Errorf("row %d: padding step %d scored %g", i, s, a.Scores[s])
			}
		}
	}
	for _, method := range []string{"gradient", "gradxinput", "occlusion"} {
		as, err := Compute(m, x, method, Options{Unit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range as {
			if a.Unit != 2 || len(a.Scores) != steps {
				t.Fatalf("%s row %d: unit %d, %d scores", method, i, a.Unit, len(a.Scores))
			}
			for s := length[i]; s < steps; s++ {
				if method != "occlusion" && a.Scores[s] != 0 {
					t.Errorf("%s row %d: padding step %d scored %g", method, i, s, a.Scores[s])
				}
			}
		}
	}
}

// TestOcclusionSharesAddUp: with Stride = Window dividing the steps, the
// occlusion attributions add up to the sum of the windows' drops, checked
// against Predict directly.
func TestOcclusionSharesAddUp(t *testing.T) {
	tk := explaintest.TrainedSeries(t)
	x := tk.TX.Rows(0, 3)
	as, err := Occlusion(tk.M, x, Options{Window: 4, Stride: 4, Baseline: "mean", Reference: tk.X})
	if err != nil {
		t.Fatal(err)
	}
	mean := make([]float64, explaintest.SeriesChannels)
	for i, v := range tk.X.Data {
		mean[i%explaintest.SeriesChannels] += float64(v) / float64(len(tk.X.Data)/explaintest.SeriesChannels)
	}
	for i, a := range as {
		var drops float64
		for st := 0; st < explaintest.SeriesSteps; st += 4 {
			occ := x.Rows(i, i+1).Clone()
			for s := st; s < st+4; s++ {
				for c := range explaintest.SeriesChannels {
					occ.Data[s*explaintest.SeriesChannels+c] = float32(mean[c])
				}
			}
			p, err := tk.M.Predict(occ, 0)
			if err != nil {
				t.Fatal(err)
			}
			drops += a.Prediction - float64(p.Data[0])
		}
		if math.Abs(a.Total()-drops) > 1e-5 {
			t.Errorf("row %d: occlusion adds up to %g, the drops to %g", i, a.Total(), drops)
		}
	}
}
