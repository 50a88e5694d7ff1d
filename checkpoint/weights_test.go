package checkpoint

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// textNet is a small text CNN (an Embedding, a Conv1D and a Dense, as the
// W2 model), with a BatchNormalization whose moving statistics are weights
// no optimizer writes.
func textNet(t *testing.T) *model.Model {
	m, err := model.NewSequential(layers.Input(12), layers.NewEmbedding(50, 6),
		layers.NewConv1D(5, 3, layers.ConvActivation("relu")), layers.NewBatchNormalization(),
		layers.NewGlobalMaxPooling1D(), layers.NewDense(3, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// lstmNet is a functional model with an LSTM, whose bias initializer sets
// the forget gate apart.
func lstmNet(t *testing.T) *model.Model {
	x := model.Input(7, 2)
	h := model.Call(layers.NewLSTM(4), x)
	m, err := model.NewModel([]*model.Tensor{x}, []*model.Tensor{model.Call(layers.NewDense(2, ""), h)}, 9)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// scramble sets every weight of m to values no initializer draws from the
// model's seed, so that a weight the loader did not set shows.
func scramble(t *testing.T, m *model.Model, rng *rand.Rand) {
	ws := m.Weights()
	for _, w := range ws {
		for i := range w.Data {
			w.Data[i] = float32(rng.NormFloat64())*0.3 + 0.05
		}
	}
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
}

// TestLoadSetsEveryWeight: Load builds the model without drawing its
// weights, so each one must come from the file. A loaded model has the
// saved weights, bit for bit (none left at zero or at the seed's draw),
// and predicts bit for bit as the saved one.
func TestLoadSetsEveryWeight(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ids := tensor.New(6, 12)
	for i := range ids.Data {
		ids.Data[i] = float32(rng.IntN(50))
	}
	for _, c := range []struct {
		name string
		m    *model.Model
		x    *tensor.Tensor
	}{
		{"text CNN", textNet(t), ids},
		{"LSTM", lstmNet(t), randTensor(rng, 5, 7, 2)},
	} {
		scramble(t, c.m, rng)
		b, err := Encode(c.m, Extra{})
		if err != nil {
			t.Fatal(err)
		}
		m2, _, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameWeights(t, c.m, m2)
		samePredictions(t, c.m, m2, c.x)
	}
}

// TestLoadRefusesMissingWeights: a file whose weights section lacks an
// array, or holds one of another shape, is refused with an error saying
// what the architecture expects, not loaded with a weight left at zero.
func TestLoadRefusesMissingWeights(t *testing.T) {
	m := textNet(t)
	scramble(t, m, rand.New(rand.NewPCG(1, 3)))
	b, err := Encode(m, Extra{})
	if err != nil {
		t.Fatal(err)
	}
	secs, err := decodeFile(b)
	if err != nil {
		t.Fatal(err)
	}
	var ws []*tensor.Tensor
	for _, s := range secs {
		if s.name == "weights" {
			if ws, err = decodeWeights(s.payload); err != nil {
				t.Fatal(err)
			}
		}
	}
	wrong := tensor.New(4) // the last weight is the Dense bias, of shape (3,)
	for _, c := range []struct {
		what string
		ws   []*tensor.Tensor
		want string
	}{
		{"the last array missing", ws[:len(ws)-1], "the model has 9 weight arrays, received 8"},
		{"the first array missing", ws[1:], "the model has 9 weight arrays, received 8"},
		{"an array of another shape", append(append([]*tensor.Tensor{}, ws[:len(ws)-1]...), wrong), `weight 8 (layer "dense", bias) has shape (3,), received (4,)`},
		{"no arrays", nil, "the model has 9 weight arrays, received 0"},
	} {
		_, _, err := Decode(withWeights(t, secs, c.ws))
		if err == nil {
			t.Errorf("%s: loaded", c.what)
			continue
		}
		t.Logf("%s: %v", c.what, err)
		if !strings.Contains(err.Error(), "the weights do not fit the architecture") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want one saying the weights do not fit and %q", c.what, err, c.want)
		}
	}
	if _, _, err := Decode(withWeights(t, secs, ws)); err != nil {
		t.Fatalf("the file rewritten with all its weights: %v", err)
	}
}

// withWeights returns the file of secs with its weights section holding ws.
func withWeights(t *testing.T, secs []section, ws []*tensor.Tensor) []byte {
	var w writer
	w.u32(len(ws))
	for i, x := range ws {
		w.str("w" + string(rune('a'+i)))
		w.u8(len(x.Shape))
		for _, d := range x.Shape {
			w.u32(d)
		}
		w.floats(x.Data)
	}
	out := make([]section, 0, len(secs))
	for _, s := range secs {
		if s.name == "weights" {
			s.payload = w.b
		}
		if s.name != "end" {
			out = append(out, s)
		}
	}
	return encodeFile(out)
}
