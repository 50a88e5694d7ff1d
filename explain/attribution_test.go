package explain

import (
	"math"
	"testing"

	"github.com/seqnet/seqnet/explain/internal/explaintest"
)

// peakFractions returns, per method, the fraction of positive test rows
// whose attribution peaks inside the planted span.
func peakFractions(t *testing.T, tk *explaintest.Task, o Options) map[string]float64 {
	var pos []int
	for i, v := range tk.TY.Data {
		if v > 0.5 {
			pos = append(pos, i)
		}
	}
	x := tk.TX.Gather(pos)
	res := map[string]float64{}
	for _, method := range Methods {
		as, err := Compute(tk.M, x, method, o)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		in := 0
		for j, a := range as {
			p, s, w := a.Peak(), tk.Start[pos[j]], tk.Width[pos[j]]
			if p >= s && p < s+w {
				in++
			}
		}
		res[method] = float64(in) / float64(len(as))
	}
	return res
}

func TestSeriesAttributionsPeakInPlantedSpan(t *testing.T) {
	tk := explaintest.TrainedSeries(t)
	if tk.Acc < 0.95 {
		t.Fatalf("the series model reaches only %.3f test accuracy; the attribution test needs a model that learned the task", tk.Acc)
	}
	for method, f := range peakFractions(t, tk, Options{}) {
		t.Logf("series %-10s peak inside the bump for %.3f of positive rows (accuracy %.3f)", method, f, tk.Acc)
		if f < 0.9 {
			t.Errorf("series %s: the attribution peaks inside the planted bump for only %.3f of positive rows, want ≥ 0.9", method, f)
		}
	}
}

func TestTokenAttributionsPeakInPlantedSpan(t *testing.T) {
	tk := explaintest.TrainedText(t)
	if tk.Acc < 0.95 {
		t.Fatalf("the text model reaches only %.3f test accuracy; the attribution test needs a model that learned the task", tk.Acc)
	}
	for method, f := range peakFractions(t, tk, Options{}) {
		t.Logf("tokens %-10s peak inside the trigram for %.3f of positive rows (accuracy %.3f)", method, f, tk.Acc)
		if f < 0.9 {
			t.Errorf("tokens %s: the attribution peaks inside the planted trigram for only %.3f of positive rows, want ≥ 0.9", method, f)
		}
	}
}

// completeness returns the largest relative gap between the sum of the
// integrated gradients and f(x) − f(baseline) over rows [0, rows) of the
// test set.
func completeness(t *testing.T, tk *explaintest.Task, rows int, o Options) (worst float64) {
	as, err := IntegratedGradients(tk.M, tk.TX.Rows(0, rows), o)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range as {
		diff := a.Prediction - a.BaselinePrediction
		if math.Abs(a.Gap-(a.Total()-diff)) > 1e-9 {
			t.Fatalf("Gap %g is not Total − (f(x) − f(baseline)) = %g", a.Gap, a.Total()-diff)
		}
		if math.Abs(diff) < 0.05 {
			continue // a relative error of a tiny difference says nothing
		}
		n++
		worst = math.Max(worst, math.Abs(a.Gap)/math.Abs(diff))
	}
	if n < len(as)/3 {
		t.Fatalf("only %d of %d rows move the output by 0.05 from the baseline", n, len(as))
	}
	return worst
}

// TestIntegratedGradientsCompleteness checks that the attributions add up
// to f(x) − f(baseline) within 1% (the trapezoid rule converges as
// 1/Steps on these ReLU + max-pooling networks, hence its many steps).
func TestIntegratedGradientsCompleteness(t *testing.T) {
	for _, c := range []struct {
		name string
		tk   func(testing.TB) *explaintest.Task
		rows int
		o    Options
	}{
		{"series midpoint zero 128", explaintest.TrainedSeries, 120, Options{Steps: 128}},
		{"series midpoint mean 128", explaintest.TrainedSeries, 120, Options{Steps: 128, Baseline: "mean", Reference: explaintest.TrainedSeries(t).X}},
		{"series trapezoid zero 512", explaintest.TrainedSeries, 30, Options{Steps: 512, Rule: "trapezoid"}},
		{"tokens midpoint 64", explaintest.TrainedText, 120, Options{}},
		{"tokens trapezoid 1024", explaintest.TrainedText, 12, Options{Steps: 1024, Rule: "trapezoid"}},
	} {
		w := completeness(t, c.tk(t), c.rows, c.o)
		t.Logf("%s: largest |Σ attributions − (f(x) − f(baseline))| / |f(x) − f(baseline)| = %.5f", c.name, w)
		if w > 0.01 {
			t.Errorf("%s: integrated gradients add up to f(x) − f(baseline) only within %.4f, want 0.01", c.name, w)
		}
	}
}
