package keras

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

func readFixture(t *testing.T, name string) *model.Model {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadModelJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func needClasses(t *testing.T, classes ...string) {
	t.Helper()
	for _, c := range classes {
		if !slices.Contains(layers.Classes(), c) {
			t.Skipf("layer %s is not registered yet", c)
		}
	}
}

func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

// expected reads the inputs and outputs make_testdata.py computed.
func expected(t *testing.T, name string) (x, y *tensor.Tensor) {
	var e struct {
		XShape []int     `json:"x_shape"`
		YShape []int     `json:"y_shape"`
		X      []float64 `json:"x"`
		Y      []float64 `json:"y"`
	}
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return tensor.FromFloat64(e.X, e.XShape...), tensor.FromFloat64(e.Y, e.YShape...)
}

func layerSummary(m *model.Model) string {
	var s []string
	for _, l := range m.Layers() {
		s = append(s, l.Common().Name+":"+l.ClassName())
	}
	return strings.Join(s, " ")
}

func TestKeras2SequentialConv1D(t *testing.T) {
	m := readFixture(t, "keras2_sequential_conv1d.json")
	if got, want := layerSummary(m), "conv1d:Conv1D conv1d_1:Conv1D flatten:Flatten dense:Dense"; got != want {
		t.Fatalf("layers %q, want %q", got, want)
	}
	if got := m.InputShapes()[0]; !slices.Equal(got, []int{20, 3}) {
		t.Fatalf("input shape %v", got)
	}
	if m.Name != "sequential" {
		t.Errorf("name %q", m.Name)
	}
	if err := LoadWeightsNPZ(filepath.Join("testdata", "keras2_sequential_conv1d_weights.npz"), m); err != nil {
		t.Fatal(err)
	}
	x, want := expected(t, "keras2_sequential_conv1d_expected.json")
	got, err := m.Predict(x, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-5 {
			t.Fatalf("prediction %d: got %v, want %v (Keras semantics, testdata/make_testdata.py)", i, got.Data[i], want.Data[i])
		}
	}
}

func TestKeras2LegacySequential(t *testing.T) {
	// Keras 2.4 style: no InputLayer, the shape on the first layer, no "module".
	m := readFixture(t, "keras2_sequential_legacy.json")
	if got := m.InputShapes()[0]; !slices.Equal(got, []int{12, 2}) {
		t.Fatalf("input shape %v", got)
	}
	c := m.Layer("conv1d_7").(*layers.Conv1D)
	if c.Padding != "causal" || c.DilationRate != 2 || c.UseBias || c.KernelInitializer.Name() != "glorot_normal" {
		t.Errorf("conv1d_7 = padding %s dilation %d bias %v init %s", c.Padding, c.DilationRate, c.UseBias, c.KernelInitializer.Name())
	}
	if !m.Layer("dense_5").Common().Frozen {
		t.Error("dense_5 has trainable=false in the JSON but is not frozen")
	}
	if got := m.OutputShapes()[0]; !slices.Equal(got, []int{2}) {
		t.Errorf("output shape %v", got)
	}
}

func TestKeras3Sequential(t *testing.T) {
	m := readFixture(t, "keras3_sequential.json")
	if got, want := layerSummary(m), "conv1d:Conv1D conv1d_1:Conv1D flatten:Flatten dense:Dense"; got != want {
		t.Fatalf("layers %q, want %q", got, want)
	}
	if got := m.OutputShapes()[0]; !slices.Equal(got, []int{3}) {
		t.Errorf("output shape %v", got)
	}
	if n := len(m.Params()); n != 6 {
		t.Errorf("%d weight arrays, want 6", n)
	}
}

func TestKeras2FunctionalTwoOutputs(t *testing.T) {
	m := readFixture(t, "keras2_functional_two_outputs.json")
	if got := m.OutputShapes(); len(got) != 2 || !slices.Equal(got[0], []int{1}) || !slices.Equal(got[1], []int{3}) {
		t.Fatalf("output shapes %v", got)
	}
	// get_weights() order of the JSON (Keras' layer order): conv1d, dense, dense_1.
	want := []string{"conv1d", "conv1d", "dense", "dense", "dense_1", "dense_1"}
	w, err := KerasWeights(m)
	if err != nil {
		t.Fatal(err)
	}
	var shapes [][]int
	for _, x := range w {
		shapes = append(shapes, x.Shape)
	}
	wantShapes := [][]int{{3, 2, 3}, {3}, {24, 1}, {1}, {20, 3}, {3}}
	for i := range wantShapes {
		if !slices.Equal(shapes[i], wantShapes[i]) {
			t.Fatalf("Keras weight %d (%s) has shape %v, want %v", i, want[i], shapes[i], wantShapes[i])
		}
	}
}

func TestKeras3FunctionalConcat(t *testing.T) {
	needClasses(t, "Concatenate", "GlobalMaxPooling1D")
	m := readFixture(t, "keras3_functional_concat.json")
	if m.Name != "text_cnn" {
		t.Errorf("name %q", m.Name)
	}
	// The weights file is in Keras' get_weights() order (conv1d, conv1d_1,
	// conv1d_2, dense), which is not seqnet's topological order here.
	if err := LoadWeightsNPZ(filepath.Join("testdata", "keras3_functional_concat_weights.npz"), m); err != nil {
		t.Fatal(err)
	}
	x, want := expected(t, "keras3_functional_concat_expected.json")
	got, err := m.Predict(x, 8)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-5 {
			t.Fatalf("prediction %d: got %v, want %v", i, got.Data[i], want.Data[i])
		}
	}
	// Export lists the layers in the fixture's (Keras') order.
	cfg, err := ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range cfg["config"].(map[string]any)["layers"].([]any) {
		names = append(names, l.(map[string]any)["name"].(string))
	}
	wantNames := "input_layer conv1d conv1d_1 conv1d_2 global_max_pooling1d_1 global_max_pooling1d concatenate dense"
	if got := strings.Join(names, " "); got != strings.Replace(wantNames, "input_layer", names[0], 1) {
		t.Errorf("exported layer order %q, want %q", got, wantNames)
	}
}

func TestFunctionalLayerOrderInJSONDoesNotMatter(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "keras2_functional_two_outputs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	ls := top["config"].(map[string]any)["layers"].([]any)
	slices.Reverse(ls)
	m, err := FromConfig(top)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers()) != 5 {
		t.Errorf("%d layers", len(m.Layers()))
	}
}

func TestUnsupported(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"keras3_unsupported_layer.json", `unsupported layer "MultiHeadAttention"`},
	} {
		f, err := os.Open(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ReadModelJSON(f)
		f.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %s", c.file, err, c.want)
		}
	}
	for _, c := range []struct{ json, want string }{
		{`{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 8]}}, {"class_name": "Dense", "config": {"units": 1, "activity_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}}}]}}`, `unsupported option "activity_regularizer"`},
		{`[1, 2]`, "not a Keras model JSON"},
		{`{"class_name": "MyModel", "config": {}}`, `unsupported model class "MyModel"`},
		{`{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, null, 8]}}, {"class_name": "Dense", "config": {"units": 1}}]}}`, "unknown (None)"},
		{`{"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "InputLayer", "name": "i", "config": {"batch_shape": [null, 4]}, "inbound_nodes": []}, {"class_name": "Dense", "name": "d", "config": {"units": 2}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["i", 0, 0]}}], "kwargs": {"training": true}}]}], "input_layers": [["i", 0, 0]], "output_layers": [["d", 0, 0]]}}`, `unsupported call argument "training"`},
		{`{"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "InputLayer", "name": "i", "config": {"batch_shape": [null, 4]}, "inbound_nodes": []}, {"class_name": "Dense", "name": "d", "config": {"units": 2}, "inbound_nodes": [[["nope", 0, 0, {}]]]}], "input_layers": [["i", 0, 0]], "output_layers": [["d", 0, 0]]}}`, `layer "nope", which is not in the model`},
		{`{"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "InputLayer", "name": "i", "config": {"batch_shape": [null, 4]}, "inbound_nodes": []}, {"class_name": "Dense", "name": "d", "config": {"units": 2}, "inbound_nodes": [[["d", 0, 0, {}]]]}], "input_layers": [["i", 0, 0]], "output_layers": [["d", 0, 0]]}}`, "never become available"},
	} {
		_, err := ReadModelJSON(strings.NewReader(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %s", c.json, err, c.want)
		}
	}
}

// branchy is a functional model whose seqnet weight order differs from
// Keras': two outputs, the first from a shallow branch.
func branchy(t *testing.T, seed uint64) *model.Model {
	x := model.Input(9, 3)
	a := model.Call(layers.NewFlatten(), x)
	short := model.Call(layers.NewDense(2, "linear"), a)
	h := model.Call(layers.NewConv1D(4, 3, layers.ConvActivation("relu")), x)
	h = model.Call(layers.NewConv1D(5, 2, layers.Padding("same")), h)
	long := model.Call(layers.NewDense(3, "tanh"), model.Call(layers.NewFlatten(), h))
	m, err := model.NewModel([]*model.Tensor{x}, []*model.Tensor{short, long}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sequential(t *testing.T, seed uint64) *model.Model {
	m, err := model.NewSequential(layers.Input(11, 2),
		layers.NewConv1D(3, 3, layers.ConvActivation("relu"), layers.Strides(2)),
		layers.NewConv1D(2, 2, layers.Padding("causal"), layers.DilationRate(2), layers.NoBias()),
		layers.NewFlatten(),
		layers.NewDense(4, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	// Distinct weights from the seed (NewSequential builds before Seed is set).
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] = float32(rng.NormFloat64() * 0.5)
		}
	}
	return m
}

func predictAll(t *testing.T, m *model.Model, x *tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	out, err := m.PredictMulti([]*tensor.Tensor{x}, 4)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name string
		m    *model.Model
	}{{"sequential", sequential(t, 7)}, {"functional", branchy(t, 8)}} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteModelJSON(&buf, c.m); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "w.npz")
			if err := WriteWeightsNPZ(path, c.m); err != nil {
				t.Fatal(err)
			}
			m2, err := ReadModelJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			if err := LoadWeightsNPZ(path, m2); err != nil {
				t.Fatal(err)
			}
			if layerSummary(m2) != layerSummary(c.m) {
				t.Errorf("layers %q, want %q", layerSummary(m2), layerSummary(c.m))
			}
			x := randTensor(rng, 5, c.m.InputShapes()[0][0], c.m.InputShapes()[0][1])
			want, got := predictAll(t, c.m, x), predictAll(t, m2, x)
			for i := range want {
				if !slices.Equal(want[i].Data, got[i].Data) {
					t.Fatalf("output %d differs after export and import", i)
				}
			}
			// Export again: the same JSON.
			var buf2 bytes.Buffer
			if err := WriteModelJSON(&buf2, m2); err != nil {
				t.Fatal(err)
			}
			if buf.String() != buf2.String() {
				t.Errorf("second export differs:\n%s\n%s", buf.String(), buf2.String())
			}
		})
	}
}

func TestKerasWeightOrder(t *testing.T) {
	m := branchy(t, 1)
	// Keras lists layers by depth from the outputs: conv1d (depth 3),
	// conv1d_1 (2), then the heads dense and dense_1 (0); seqnet's own
	// walk meets the short branch's dense first.
	w, err := KerasWeights(m)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range w {
		got = append(got, tensor.ShapeString(x.Shape, false))
	}
	want := []string{"(3, 3, 4)", "(4,)", "(2, 4, 5)", "(5,)", "(27, 2)", "(2,)", "(35, 3)", "(3,)"}
	if !slices.Equal(got, want) {
		t.Fatalf("Keras order %v, want %v", got, want)
	}
	before := m.Weights()
	for _, p := range m.Params() {
		p.Value.Zero()
	}
	if err := SetWeights(m, w); err != nil {
		t.Fatal(err)
	}
	for i, x := range m.Weights() {
		if !slices.Equal(x.Data, before[i].Data) {
			t.Fatal("SetWeights(KerasWeights) changed the weights")
		}
	}
}

func TestWrongWeights(t *testing.T) {
	m := sequential(t, 2)
	w, err := KerasWeights(m)
	if err != nil {
		t.Fatal(err)
	}
	err = SetWeights(m, w[:len(w)-1])
	if err == nil || !strings.Contains(err.Error(), "has 5 weight arrays, received 4") {
		t.Errorf("short list: %v", err)
	}
	w[2] = tensor.New(2, 3, 3)
	err = SetWeights(m, w)
	if err == nil || !strings.Contains(err.Error(), `layer "conv1d_1"`) || !strings.Contains(err.Error(), "(2, 3, 2)") || !strings.Contains(err.Error(), "(2, 3, 3)") {
		t.Errorf("wrong shape: %v", err)
	}
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := WriteWeightsNPZ(path, branchy(t, 3)); err != nil {
		t.Fatal(err)
	}
	if err := LoadWeightsNPZ(path, m); err == nil || !strings.Contains(err.Error(), "w.npz") {
		t.Errorf("weights of another model: %v", err)
	}
}

func TestUnbuiltModel(t *testing.T) {
	m, err := model.NewSequential(layers.NewDense(2, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteModelJSON(&bytes.Buffer{}, m); err == nil || !strings.Contains(err.Error(), "not built") {
		t.Errorf("unbuilt model: %v", err)
	}
}

func randomize(m *model.Model, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 9))
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] = float32(rng.NormFloat64() * 0.4)
		}
	}
}

// exportImport writes m as Keras JSON and .npz and reads both back.
func exportImport(t *testing.T, m *model.Model) *model.Model {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteModelJSON(&buf, m); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := WriteWeightsNPZ(path, m); err != nil {
		t.Fatal(err)
	}
	m2, err := ReadModelJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if err := LoadWeightsNPZ(path, m2); err != nil {
		t.Fatal(err)
	}
	if layerSummary(m2) != layerSummary(m) {
		t.Errorf("layers %q, want %q", layerSummary(m2), layerSummary(m))
	}
	var buf2 bytes.Buffer
	if err := WriteModelJSON(&buf2, m2); err != nil {
		t.Fatal(err)
	}
	if buf.String() != buf2.String() {
		t.Errorf("second export differs:\n%s\n%s", buf.String(), buf2.String())
	}
	return m2
}

func sameOutputs(t *testing.T, a, b *model.Model, xs ...*tensor.Tensor) {
	t.Helper()
	pa, err := a.PredictMulti(xs, 3)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.PredictMulti(xs, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pa {
		if !slices.Equal(pa[i].Data, pb[i].Data) {
			t.Fatalf("output %d differs after export and import", i)
		}
	}
}

// TestRoundTripTextModel: Embedding, pooling, dropout and recurrent
// layers survive export and import.
func TestRoundTripTextModel(t *testing.T) {
	needClasses(t, "Embedding", "MaxPooling1D", "Dropout", "Bidirectional", "LSTM", "GRU")
	m, err := model.NewSequential(layers.Input(17),
		layers.NewEmbedding(30, 6),
		layers.NewConv1D(5, 3, layers.Padding("same"), layers.ConvActivation("relu")),
		layers.NewMaxPooling1D(2),
		layers.NewDropout(0.3),
		layers.NewBidirectional(layers.NewLSTM(4, layers.ReturnSequences()), "concat"),
		layers.NewGRU(3),
		layers.NewDense(2, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 1)
	m2 := exportImport(t, m)
	rng := rand.New(rand.NewPCG(2, 2))
	x := tensor.New(5, 17)
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(30))
	}
	sameOutputs(t, m, m2, x)
}

// TestRoundTripSharedAndMerged: two inputs, a layer shared between them
// (two calls: Keras node indices 0 and 1), merges and reshaping layers.
func TestRoundTripSharedAndMerged(t *testing.T) {
	needClasses(t, "Concatenate", "Add", "GlobalMaxPooling1D", "ZeroPadding1D", "Cropping1D")
	a, b := model.Input(10, 3), model.Input(10, 3)
	shared := layers.NewConv1D(4, 3, layers.Padding("same"), layers.ConvActivation("tanh"))
	ha, hb := model.Call(shared, a), model.Call(shared, b)
	sum := model.Call(layers.NewAdd(), ha, hb)
	pad := model.Call(layers.NewCropping1D(1, 1), model.Call(layers.NewZeroPadding1D(1, 1), a))
	cat := model.Call(layers.NewConcatenate(-1), sum, pad)
	out := model.Call(layers.NewDense(2, ""), model.Call(layers.NewGlobalMaxPooling1D(), cat))
	m, err := model.NewModel([]*model.Tensor{a, b}, []*model.Tensor{out, hb}, 4)
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, 3)
	cfg, err := ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(cfg)
	if !strings.Contains(string(b2), `"keras_history":["conv1d",1,0]`) {
		t.Errorf("the second call of the shared layer is not node 1:\n%s", b2)
	}
	m2 := exportImport(t, m)
	rng := rand.New(rand.NewPCG(5, 5))
	sameOutputs(t, m, m2, randTensor(rng, 4, 10, 3), randTensor(rng, 4, 10, 3))
}

func TestReadWeightsNPZOrder(t *testing.T) {
	dir := t.TempDir()
	a, b := tensor.FromSlice([]float32{1, 2}, 2), tensor.FromSlice([]float32{3}, 1)
	write := func(name string, arrs ...*npy.Array) string {
		p := filepath.Join(dir, name)
		if err := npy.WriteNPZFile(p, arrs, false); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Zip order reversed: the names decide.
	w, err := ReadWeightsNPZ(write("rev.npz", &npy.Array{Name: "arr_1", Tensor: b}, &npy.Array{Name: "arr_0", Tensor: a}))
	if err != nil || len(w) != 2 || w[0].Data[0] != 1 || w[1].Data[0] != 3 {
		t.Errorf("reversed: %v %v", w, err)
	}
	_, err = ReadWeightsNPZ(write("gap.npz", &npy.Array{Name: "arr_0", Tensor: a}, &npy.Array{Name: "arr_5", Tensor: b}))
	if err == nil || !strings.Contains(err.Error(), "named arr_5") {
		t.Errorf("gap: %v", err)
	}
	// Other names: archive order.
	w, err = ReadWeightsNPZ(write("named.npz", &npy.Array{Name: "kernel", Tensor: b}, &npy.Array{Name: "bias", Tensor: a}))
	if err != nil || len(w) != 2 || w[0].Data[0] != 3 {
		t.Errorf("named: %v %v", w, err)
	}
	if _, err := ReadWeightsNPZ(filepath.Join(dir, "missing.npz")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestConv1DRegularizerLoads: a Conv1D saved by Keras 3 with an L1L2
// kernel regularizer loads with it.
func TestConv1DRegularizerLoads(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "keras3_conv1d_regularizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadModelJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers() {
		if c, ok := l.(*layers.Conv1D); ok {
			if c.KernelRegularizer == nil {
				t.Fatal("the Conv1D lost its kernel_regularizer")
			}
			return
		}
	}
	t.Fatal("no Conv1D in the model")
}
