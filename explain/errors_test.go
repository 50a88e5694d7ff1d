package explain

import (
	_ "image/png"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/explain/internal/explaintest"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

func TestErrorsForPeople(t *testing.T) {
	tk := explaintest.TrainedSeries(t)
	cases := []struct {
		name string
		err  func() error
		want []string
	}{
		{"row out of range", func() error { _, err := ForRow(tk.M, tk.TX.Rows(0, 100), 120, "gradient", Options{}); return err },
			[]string{"row 120 does not exist: the data has 100 rows (0–99)"}},
		{"negative row", func() error { _, err := ForRow(tk.M, tk.TX, -1, "gradient", Options{}); return err },
			[]string{"row -1 does not exist"}},
		{"unknown method", func() error { _, err := ForRow(tk.M, tk.TX, 0, "lime", Options{}); return err },
			[]string{`"lime"`, "gradient, gradxinput, integrated, occlusion"}},
		{"unit", func() error { _, err := Gradient(tk.M, tk.TX, Options{Unit: 3}); return err },
			[]string{"unit 3 does not exist", "1 unit"}},
		{"output", func() error { _, err := Gradient(tk.M, tk.TX, Options{Output: 1}); return err },
			[]string{"output 1 does not exist"}},
		{"rule", func() error { _, err := IntegratedGradients(tk.M, tk.TX, Options{Rule: "simpson"}); return err },
			[]string{"simpson", "trapezoid", "midpoint"}},
		{"baseline", func() error { _, err := Occlusion(tk.M, tk.TX, Options{Baseline: "median"}); return err },
			[]string{"median", "zero", "mean"}},
		{"wrong data shape", func() error { _, err := Gradient(tk.M, tensor.New(3, 10, 2), Options{}); return err }, []string{"10"}},
		{"empty data", func() error { _, err := ForRow(tk.M, nil, 0, "gradient", Options{}); return err }, []string{"empty"}},
		{"no Conv1D", func() error {
			m, err := model.NewSequential(layers.Input(6, 2), layers.NewFlatten(), layers.NewDense(1, "sigmoid"))
			if err != nil {
				return err
			}
			_, err = FilterReport(m, tensor.New(4, 6, 2), nil, 3)
			return err
		}, []string{"no Conv1D layer", "flatten, dense"}},
		{"mean of tokens", func() error {
			tt := explaintest.TrainedText(t)
			_, err := Occlusion(tt.M, tt.TX.Rows(0, 2), Options{Baseline: "mean"})
			return err
		}, []string{"no mean token", "padding index 0"}},
		{"vocabulary too short", func() error {
			tt := explaintest.TrainedText(t)
			_, err := FilterReport(tt.M, tt.TX, []string{"<pad>", "a"}, 3)
			return err
		}, []string{"vocabulary has 2 entries"}},
	}
	for _, c := range cases {
		err := c.err()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.name, err, w)
			}
		}
		t.Logf("%s: %v", c.name, err)
	}
}
