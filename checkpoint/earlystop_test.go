package checkpoint

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// esFile encodes twoHeads (whose weight order differs from Keras') with
// an early stopping state whose best weights differ from the model's.
func esFile(t *testing.T, best float64) (*model.Model, *model.EarlyStoppingState, []byte) {
	m := twoHeads(t, 3)
	rng := rand.New(rand.NewPCG(4, 4))
	var bw []*tensor.Tensor
	for _, w := range m.Weights() {
		bw = append(bw, randTensor(rng, w.Shape...))
	}
	es := &model.EarlyStoppingState{Monitor: "val_loss", Best: best, BestEpoch: 2, Wait: 1, BestWeights: bw}
	b, err := Encode(m, Extra{EarlyStopping: es})
	if err != nil {
		t.Fatal(err)
	}
	return m, es, b
}

func TestEarlyStoppingRoundTrip(t *testing.T) {
	for _, best := range []float64{0.25, math.Inf(1), math.Inf(-1)} {
		m, es, b := esFile(t, best)
		m2, extra, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		sameWeights(t, m, m2)
		got := extra.EarlyStopping
		if got == nil {
			t.Fatal("the early stopping state did not come back")
		}
		if d := Describe(m2, extra); math.IsInf(best, 0) == strings.Contains(d, "early stopping so far: best val_loss 0.25 at epoch 3, then 1 epoch without improvement") {
			t.Errorf("best %g: Describe says %q", best, d)
		}
		if got.Monitor != es.Monitor || got.Best != es.Best || got.BestEpoch != es.BestEpoch || got.Wait != es.Wait {
			t.Errorf("read %+v, wrote %+v", *got, *es)
		}
		if len(got.BestWeights) != len(es.BestWeights) {
			t.Fatalf("%d best weights read, %d written", len(got.BestWeights), len(es.BestWeights))
		}
		for i := range es.BestWeights {
			if !tensor.SameShape(got.BestWeights[i].Shape, es.BestWeights[i].Shape) || !equalData(got.BestWeights[i].Data, es.BestWeights[i].Data) {
				t.Errorf("best weight %d differs after the round trip", i)
			}
		}
	}
	// Without best weights (RestoreBestWeights off), and files without
	// the state (older files): nil.
	m := convNet(t, 1)
	b, err := Encode(m, Extra{EarlyStopping: &model.EarlyStoppingState{Monitor: "loss", Best: 1, Wait: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if _, extra, err := Decode(b); err != nil || extra.EarlyStopping == nil || extra.EarlyStopping.BestWeights != nil || extra.EarlyStopping.Wait != 3 {
		t.Errorf("without best weights: %v, %+v", err, extra.EarlyStopping)
	}
	if _, extra, err := Decode(validFile(t)); err != nil || extra.EarlyStopping != nil {
		t.Errorf("a file without the state: %v, %+v", err, extra.EarlyStopping)
	}
}

func equalData(a, b []float32) bool {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

// TestEarlyStoppingCorrupt: a missing, damaged or newer section is refused
// with a message that names it.
func TestEarlyStoppingCorrupt(t *testing.T) {
	_, _, b := esFile(t, 0.5)
	secs, err := decodeFile(b)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(s section) (section, bool)) []byte {
		var out []section
		for _, s := range secs {
			if s.name == "end" {
				continue
			}
			if s, keep := f(s); keep {
				out = append(out, s)
			}
		}
		return encodeFile(out)
	}
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"no weights", edit(func(s section) (section, bool) { return s, s.name != "early_stopping_weights" }),
			"early_stopping_weights section is missing"},
		{"no state", edit(func(s section) (section, bool) { return s, s.name != "early_stopping" }),
			"without its early_stopping section"},
		{"newer", edit(func(s section) (section, bool) {
			if s.name == "early_stopping" {
				s.payload = []byte(strings.Replace(string(s.payload), `"version":1`, `"version":2`, 1))
			}
			return s, true
		}), "section early_stopping has version 2"},
		{"bad json", edit(func(s section) (section, bool) {
			if s.name == "early_stopping" {
				s.payload = []byte(`{"version":`)
			}
			return s, true
		}), "corrupt section early_stopping"},
		{"short weights", edit(func(s section) (section, bool) {
			if s.name == "early_stopping_weights" {
				s.payload = s.payload[:len(s.payload)-4]
			}
			return s, true
		}), "corrupt section early_stopping_weights"},
		{"wrong shapes", edit(func(s section) (section, bool) {
			if s.name == "early_stopping_weights" {
				s.payload = withWeightsPayload([]*tensor.Tensor{tensor.New(1)})
			}
			return s, true
		}), "corrupt section early_stopping_weights: 1 arrays for a model with"},
	}
	for _, c := range cases {
		_, _, err := Decode(c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// withWeightsPayload lays out ws as the weights section does.
func withWeightsPayload(ws []*tensor.Tensor) []byte {
	var w writer
	w.u32(len(ws))
	for _, x := range ws {
		w.str("w")
		w.u8(len(x.Shape))
		for _, d := range x.Shape {
			w.u32(d)
		}
		w.floats(x.Data)
	}
	return w.b
}
