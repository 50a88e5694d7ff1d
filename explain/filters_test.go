package explain

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/explain/internal/explaintest"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// TestFilterReportFindsPlantedTrigram: a text CNN trained to spot the
// trigram "w5 w9 w2" must have a filter whose top 3 n-grams hold exactly
// that trigram.
func TestFilterReportFindsPlantedTrigram(t *testing.T) {
	tk := explaintest.TrainedText(t)
	r, err := FilterReport(tk.M, tk.X, explaintest.Vocabulary(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != Tokens || len(r.Layers) != 1 || r.Layers[0].Field != 3 || r.Layers[0].Jump != 1 || len(r.Layers[0].Filters) != 16 {
		t.Fatalf("report layout: kind %v, %d layers, %+v", r.Kind, len(r.Layers), r.Layers)
	}
	found, first := []int{}, false
	for _, f := range r.Layers[0].Filters {
		if len(f.Top) != 3 {
			t.Fatalf("filter %d has %d n-grams, want 3", f.Filter, len(f.Top))
		}
		var texts []string
		for i, m := range f.Top {
			texts = append(texts, m.Text)
			if i > 0 && m.Activation > f.Top[i-1].Activation {
				t.Errorf("filter %d: n-grams not strongest first: %v", f.Filter, f.Top)
			}
			if len(m.Tokens) != 3 || m.End-m.Start != 3 {
				t.Errorf("filter %d: %q covers %d tokens [%d, %d), want a trigram", f.Filter, m.Text, len(m.Tokens), m.Start, m.End)
			}
			// The n-gram is where the report says it is.
			for q, tok := range m.Tokens {
				if got := int(tk.X.Data[m.Row*explaintest.TextSteps+m.Start+q]); got != tok {
					t.Fatalf("filter %d: %q: row %d step %d holds %d, not %d", f.Filter, m.Text, m.Row, m.Start+q, got, tok)
				}
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(texts)))) != len(texts) {
			t.Errorf("filter %d: duplicate n-grams %v", f.Filter, texts)
		}
		if i := slices.Index(texts, "w5 w9 w2"); i >= 0 {
			found = append(found, f.Filter)
			first = first || i == 0
		}
		t.Logf("filter %2d: %q", f.Filter, texts)
	}
	if len(found) == 0 {
		t.Fatal("no filter lists the planted trigram \"w5 w9 w2\" among its top 3")
	}
	if !first {
		t.Error("the planted trigram is in some top 3 but never a filter's strongest n-gram")
	}
	t.Logf("filters with \"w5 w9 w2\" in their top 3: %v", found)
}

// bruteTop is the filter report computed the slow way: every window of
// every row, de-duplicated by text, sorted.
func TestFilterReportMatchesBruteForce(t *testing.T) {
	tk := explaintest.TrainedText(t)
	x := tk.X.Rows(0, 150)
	r, err := FilterReport(tk.M, x, explaintest.Vocabulary(), 4)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tk.M.Gradients([]*tensor.Tensor{x}, 0, -1, r.Layers[0].Layer)
	if err != nil {
		t.Fatal(err)
	}
	out := p.Taps[r.Layers[0].Layer].Value
	T, F := out.Shape[1], out.Shape[2]
	voc := explaintest.Vocabulary()
	for f := range F {
		best := map[string]float64{}
		for b := range x.Shape[0] {
			for s := range T {
				text := voc[int(x.Data[b*explaintest.TextSteps+s])] + " " + voc[int(x.Data[b*explaintest.TextSteps+s+1])] + " " + voc[int(x.Data[b*explaintest.TextSteps+s+2])]
				a := float64(out.Data[(b*T+s)*F+f])
				if v, ok := best[text]; !ok || a > v {
					best[text] = a
				}
			}
		}
		var acts []float64
		for _, v := range best {
			acts = append(acts, v)
		}
		slices.Sort(acts)
		slices.Reverse(acts)
		top := r.Layers[0].Filters[f].Top
		for i, m := range top {
			if m.Activation != acts[i] || best[m.Text] != m.Activation {
				t.Fatalf("filter %d rank %d: report %q %.6g, brute force best activations %v", f, i, m.Text, m.Activation, acts[:4])
			}
		}
	}
}

// TestFilterSpansThroughPoolingAndPadding builds Embedding → Conv1D(same)
// → MaxPooling1D(2) → Conv1D(dilation 2, causal) and checks, by changing
// tokens, that each reported window is exactly what the output step sees.
func TestFilterSpansThroughPoolingAndPadding(t *testing.T) {
	const steps = 17
	c1 := layers.NewConv1D(3, 3, layers.Padding("same"), layers.ConvActivation("tanh"))
	c2 := layers.NewConv1D(2, 3, layers.DilationRate(2), layers.Padding("causal"))
	m, err := model.NewSequential(layers.Input(steps), layers.NewEmbedding(12, 4), c1, layers.NewMaxPooling1D(2), c2,
		layers.NewGlobalMaxPooling1D(), layers.NewDense(1, "sigmoid"))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = 9
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	x := tensor.New(40, steps)
	for i := range x.Data {
		x.Data[i] = float32(1 + rng.IntN(11))
	}
	r, err := FilterReport(m, x, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Layers) != 2 {
		t.Fatalf("%d layers reported, want 2", len(r.Layers))
	}
	// conv1: field 3; pool: field 4, jump 2; conv2 (k 3, d 2 on a jump-2
	// grid): field 4 + 2·2·2 = 12, jump 2.
	if l := r.Layers[0]; l.Field != 3 || l.Jump != 1 {
		t.Errorf("conv1 field %d jump %d, want 3 and 1", l.Field, l.Jump)
	}
	if l := r.Layers[1]; l.Field != 12 || l.Jump != 2 {
		t.Errorf("conv2 field %d jump %d, want 12 and 2", l.Field, l.Jump)
	}
	for li, lf := range r.Layers {
		name := lf.Layer
		for _, f := range lf.Filters {
			for _, mt := range f.Top {
				row := x.Rows(mt.Row, mt.Row+1).Clone()
				base := tapAt(t, m, row, name, mt.Step, f.Filter)
				// The report ran the rows in batches, this runs one row: the
				// GEMM may block the sums differently, so allow rounding.
				if math.Abs(float64(base)-mt.Activation) > 1e-5*(1+math.Abs(mt.Activation)) {
					t.Fatalf("%s filter %d: activation %g, recomputed %g", name, f.Filter, mt.Activation, base)
				}
				for q := range steps {
					mod := row.Clone()
					mod.Data[q] = float32(1 + (int(mod.Data[q]) % 11))
					changed := tapAt(t, m, mod, name, mt.Step, f.Filter) != base
					inside := q >= mt.Start && q < mt.End
					if changed && !inside {
						t.Fatalf("layer %d %s step %d: changing token %d (outside the reported window [%d, %d)) changed the activation", li, name, mt.Step, q, mt.Start, mt.End)
					}
				}
			}
		}
	}
}

func tapAt(t *testing.T, m *model.Model, x *tensor.Tensor, layer string, step, filter int) float32 {
	p, err := m.Gradients([]*tensor.Tensor{x}, 0, -1, layer)
	if err != nil {
		t.Fatal(err)
	}
	v := p.Taps[layer].Value
	return v.Data[step*v.Shape[2]+filter]
}

// TestFilterReportBranches: in a functional text CNN with two parallel
// convolutions on the Embedding, each is mapped straight to the tokens.
func TestFilterReportBranches(t *testing.T) {
	in := model.Input(15)
	e := model.Call(layers.NewEmbedding(10, 3), in)
	a := model.Call(layers.NewGlobalMaxPooling1D(), model.Call(layers.NewConv1D(2, 2, layers.ConvName("bi")), e))
	b := model.Call(layers.NewGlobalMaxPooling1D(), model.Call(layers.NewConv1D(2, 4, layers.ConvName("four")), e))
	out := model.Call(layers.NewDense(1, "sigmoid"), model.Call(layers.NewConcatenate(-1), a, b))
	m, err := model.NewModel([]*model.Tensor{in}, []*model.Tensor{out}, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 9))
	x := tensor.New(20, 15)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(10))
	}
	r, err := FilterReport(m, x, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]int{}
	for _, l := range r.Layers {
		fields[l.Layer] = l.Field
	}
	if fields["bi"] != 2 || fields["four"] != 4 || len(r.Skipped) != 0 {
		t.Fatalf("fields %v, skipped %v; want bi 2, four 4", fields, r.Skipped)
	}
	// Integrated gradients need a chain: refused with the methods that work.
	_, err = IntegratedGradients(m, x.Rows(0, 2), Options{})
	if err == nil || !strings.Contains(err.Error(), "gradxinput") {
		t.Fatalf("IG on a branching token model: %v", err)
	}
	for _, method := range []string{"gradient", "gradxinput", "occlusion"} {
		if _, err := Compute(m, x.Rows(0, 2), method, Options{}); err != nil {
			t.Errorf("%s on a branching token model: %v", method, err)
		}
	}
}

// TestFilterReportSeries: the series model's filters' top windows; the
// strongest filter (largest Dense weight) sees bumps in channel 0.
func TestFilterReportSeries(t *testing.T) {
	tk := explaintest.TrainedSeries(t)
	r, err := FilterReport(tk.M, tk.TX, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != Series || len(r.Layers) != 1 || r.Layers[0].Field != 5 {
		t.Fatalf("report: kind %v layers %+v", r.Kind, r.Layers)
	}
	dense := tk.M.Layers()[len(tk.M.Layers())-1].(*layers.Dense).Kernel().Value.Data
	strongest := 0
	for f, w := range dense {
		if w > dense[strongest] {
			strongest = f
		}
	}
	top := r.Layers[0].Filters[strongest].Top
	rows := map[int]bool{}
	for _, m := range top {
		if rows[m.Row] {
			t.Errorf("row %d listed twice", m.Row)
		}
		rows[m.Row] = true
		if len(m.Window) != 5 || len(m.Window[0]) != explaintest.SeriesChannels {
			t.Fatalf("window %d×%d, want 5×2", len(m.Window), len(m.Window[0]))
		}
		s := tk.Start[m.Row]
		if tk.TY.Data[m.Row] != 1 || m.Start > s+2 || m.End < s+3 {
			t.Errorf("filter %d: window %s (label %v) misses the bump at %d–%d", strongest, m.Text, tk.TY.Data[m.Row], s, s+4)
		}
	}
}
