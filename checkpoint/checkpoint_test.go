package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/tensor"
)

func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

// convNet is a small Sequential regression model.
func convNet(t testing.TB, seed uint64) *model.Model {
	m, err := model.NewSequential(layers.Input(13, 3),
		layers.NewConv1D(4, 3, layers.ConvActivation("relu")),
		layers.NewConv1D(3, 2, layers.Strides(2), layers.Padding("same")),
		layers.NewFlatten(),
		layers.NewDense(2, ""))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	if err := m.Build(); err != nil {
		t.Fatal(err)
	}
	return m
}

// twoHeads is a functional model whose seqnet weight order differs from
// Keras' (two outputs, the first from a shallow branch).
func twoHeads(t testing.TB, seed uint64) *model.Model {
	x := model.Input(9, 2)
	short := model.Call(layers.NewDense(1, "sigmoid"), model.Call(layers.NewFlatten(), x))
	h := model.Call(layers.NewConv1D(3, 3, layers.ConvActivation("tanh")), x)
	long := model.Call(layers.NewDense(1, ""), model.Call(layers.NewFlatten(), h))
	m, err := model.NewModel([]*model.Tensor{x}, []*model.Tensor{short, long}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameWeights(t *testing.T, a, b *model.Model) {
	t.Helper()
	wa, wb := a.Weights(), b.Weights()
	if len(wa) != len(wb) {
		t.Fatalf("%d weight arrays, want %d", len(wb), len(wa))
	}
	for i := range wa {
		if !slices.Equal(wa[i].Shape, wb[i].Shape) || !slices.Equal(wa[i].Data, wb[i].Data) {
			t.Fatalf("weight %d differs", i)
		}
	}
}

func samePredictions(t *testing.T, a, b *model.Model, x *tensor.Tensor) {
	t.Helper()
	pa, err := a.PredictMulti([]*tensor.Tensor{x}, 4)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.PredictMulti([]*tensor.Tensor{x}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range pa {
		for j := range pa[i].Data {
			if math.Float32bits(pa[i].Data[j]) != math.Float32bits(pb[i].Data[j]) {
				t.Fatalf("output %d value %d: %v after loading, %v before", i, j, pb[i].Data[j], pa[i].Data[j])
			}
		}
	}
}

func TestSaveLoadSequential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := convNet(t, 11)
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 3e-3, LossName: "mse", Metrics: []string{"mae"}}); err != nil {
		t.Fatal(err)
	}
	x, y := randTensor(rng, 21, 13, 3), randTensor(rng, 21, 2)
	hist, err := m.Fit(x, y, model.FitOptions{Epochs: 2, BatchSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.seqnet")
	pre := json.RawMessage(`{"scaler":{"mean":[0.5,1.5],"std":[2,3]},"window":16,"labels":["a","b"]}`)
	if err := Save(path, m, Extra{Preprocessing: pre, History: hist}); err != nil {
		t.Fatal(err)
	}
	m2, extra, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, m, m2)
	samePredictions(t, m, m2, randTensor(rng, 7, 13, 3))
	if !bytes.Equal(extra.Preprocessing, pre) {
		t.Errorf("preprocessing %s, want %s", extra.Preprocessing, pre)
	}
	if extra.Epoch != 2 || extra.Version != Version {
		t.Errorf("epoch %d version %d", extra.Epoch, extra.Version)
	}
	if !slices.Equal(extra.History.Keys, hist.Keys) || !slices.Equal(extra.History.Metrics["mae"], hist.Metrics["mae"]) || !slices.Equal(extra.History.Epochs, hist.Epochs) {
		t.Errorf("history %+v, want %+v", extra.History, hist)
	}
	if m2.Seed != 11 || m2.Name != m.Name {
		t.Errorf("seed %d name %q", m2.Seed, m2.Name)
	}
	o1, o2 := m.Optimizer().Common(), m2.Optimizer().Common()
	if o2.Iterations != o1.Iterations || o2.Iterations != 6 || m2.Optimizer().LearningRate() != 3e-3 {
		t.Errorf("iterations %d (want %d), lr %v", o2.Iterations, o1.Iterations, m2.Optimizer().LearningRate())
	}
	for i := range o1.Slots {
		for s := range o1.Slots[i] {
			if !slices.Equal(o1.Slots[i][s], o2.Slots[i][s]) {
				t.Fatalf("slot %d/%d differs", i, s)
			}
		}
	}
	// Evaluate works: the loss and metrics came back.
	l1, err := m.Evaluate(x, y, 8)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := m2.Evaluate(x, y, 8)
	if err != nil {
		t.Fatal(err)
	}
	if l1.String() != l2.String() {
		t.Errorf("evaluate %s, want %s", l2, l1)
	}
	if d := Describe(m2, extra); !strings.Contains(d, "format version 1") || !strings.Contains(d, "2 epochs trained") || !strings.Contains(d, "mae ") {
		t.Errorf("Describe: %s", d)
	}
	// Saving the loaded model gives the same bytes.
	b1, _ := os.ReadFile(path)
	b2, err := Encode(m2, extra)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Error("saving a loaded model changed the file")
	}
}

func TestSaveLoadFunctionalUncompiled(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := twoHeads(t, 5)
	path := filepath.Join(t.TempDir(), "f.seqnet")
	if err := Save(path, m, Extra{}); err != nil {
		t.Fatal(err)
	}
	m2, extra, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, m, m2)
	samePredictions(t, m, m2, randTensor(rng, 5, 9, 2))
	if m2.Optimizer() != nil || extra.Preprocessing != nil || extra.History != nil {
		t.Errorf("unexpected extras: optimizer %v, preprocessing %s, history %v", m2.Optimizer(), extra.Preprocessing, extra.History)
	}
}

// stopAt stops training after a given batch of a given epoch.
type stopAt struct {
	model.CallbackBase
	epoch, batch, cur int
}

func (c *stopAt) OnEpochBegin(e int) { c.cur = e }
func (c *stopAt) OnBatchEnd(b int, _ model.Logs) {
	if c.cur == c.epoch && b == c.batch {
		c.M.Stop()
	}
}

// TestResume: training, saving (between epochs or inside one), loading and
// training on gives the weights of uninterrupted training, bit for bit,
// with shuffling and every optimizer.
func TestResume(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, y := randTensor(rng, 19, 13, 3), randTensor(rng, 19, 2)
	for _, c := range []struct {
		opt  string
		stop *stopAt // nil: save after epoch 2
	}{{"adam", nil}, {"sgd", nil}, {"rmsprop", nil}, {"adagrad", nil}, {"adam", &stopAt{epoch: 1, batch: 1}}} {
		name := c.opt
		if c.stop != nil {
			name += "_inside_an_epoch"
		}
		t.Run(name, func(t *testing.T) {
			compile := func(m *model.Model) {
				if err := m.Compile(model.CompileOptions{OptimizerName: c.opt, LossName: "huber", Metrics: []string{"mse"}}); err != nil {
					t.Fatal(err)
				}
			}
			fit := func(m *model.Model, o model.FitOptions) *model.History {
				o.BatchSize = 5
				h, err := m.Fit(x, y, o)
				if err != nil {
					t.Fatal(err)
				}
				return h
			}
			whole := convNet(t, 9)
			compile(whole)
			fit(whole, model.FitOptions{Epochs: 4})

			part := convNet(t, 9)
			compile(part)
			var h *model.History
			if c.stop != nil {
				h = fit(part, model.FitOptions{Epochs: 4, Callbacks: []model.Callback{c.stop}})
			} else {
				h = fit(part, model.FitOptions{Epochs: 2})
			}
			path := filepath.Join(t.TempDir(), "r.seqnet")
			if err := Save(path, part, Extra{History: h}); err != nil {
				t.Fatal(err)
			}
			resumed, extra, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.stop != nil && len(h.Epochs) != 1 {
				t.Fatalf("Stop did not interrupt epoch 1: history %v", h.Epochs)
			}
			if want := len(h.Epochs); extra.Epoch != want {
				t.Errorf("extra.Epoch %d, want %d", extra.Epoch, want)
			}
			fit(resumed, model.FitOptions{Epochs: 4, Resume: true})
			sameWeights(t, whole, resumed)
		})
	}
}

func TestLossOptions(t *testing.T) {
	for _, l := range []losses.Loss{losses.BinaryCrossentropy(true), losses.BinaryCrossentropy(false),
		losses.CategoricalCrossentropy(true), losses.SparseCategoricalCrossentropy(true),
		losses.SparseCategoricalCrossentropy(false), losses.Huber(0.3), losses.Huber(2.5), losses.MAE()} {
		c, err := describeLoss(l)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.loss()
		if err != nil {
			t.Fatal(err)
		}
		// Same values and gradients on random data.
		rng := rand.New(rand.NewPCG(1, 1))
		p := randTensor(rng, 4, 3)
		y := tensor.New(4, 3)
		if l.Name() == "sparse_categorical_crossentropy" {
			y = tensor.New(4, 1)
			for i := range y.Data {
				y.Data[i] = float32(i % 3)
			}
		} else {
			for i := range y.Data {
				y.Data[i] = float32(rng.IntN(2))
			}
			if !c.FromLogits && strings.Contains(l.Name(), "crossentropy") {
				for i := range p.Data {
					p.Data[i] = float32(rng.Float64())
				}
			}
		}
		g1, g2 := tensor.New(p.Shape...), tensor.New(p.Shape...)
		if v1, v2 := l.Compute(y, p, g1), back.Compute(y, p, g2); v1 != v2 || !slices.Equal(g1.Data, g2.Data) {
			t.Errorf("%s %+v: restored loss gives %v, original %v", l.Name(), c, v2, v1)
		}
	}
}

func TestOptimizerOptions(t *testing.T) {
	sgd := optimizers.NewSGD(0.05, 0.9, true)
	sgd.ClipNorm = 1.5
	rms := optimizers.NewRMSprop(0.002)
	rms.Centered, rms.Momentum, rms.Rho = true, 0.5, 0.8
	ada := optimizers.NewAdagrad(0.1)
	ada.InitialAccumulator = 0.2
	adam := optimizers.NewAdam(0.01)
	adam.AMSGrad, adam.Beta2, adam.GlobalClipNorm = true, 0.99, 2
	for _, o := range []optimizers.Optimizer{sgd, rms, ada, adam} {
		back, err := makeOptimizer(o.Name(), normalize(o.Config()))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(mustJSON(back.Config()), mustJSON(o.Config())) {
			t.Errorf("%s: restored %v, want %v", o.Name(), back.Config(), o.Config())
		}
	}
	if _, err := makeOptimizer("adam", map[string]any{"learning_rate": 0.1, "weight_decay": 0.01}); err == nil || !strings.Contains(err.Error(), "weight_decay") {
		t.Errorf("unknown option: %v", err)
	}
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// validFile returns the bytes of a small compiled, trained model file.
func validFile(t testing.TB) []byte {
	m := convNet(t, 2)
	if err := m.Compile(model.CompileOptions{LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	if _, err := m.Fit(randTensor(rng, 6, 13, 3), randTensor(rng, 6, 2), model.FitOptions{Epochs: 1, BatchSize: 3}); err != nil {
		t.Fatal(err)
	}
	b, err := Encode(m, Extra{Preprocessing: json.RawMessage(`{"v":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sectionSpans returns where each section's payload lies.
func sectionSpans(b []byte) map[string][2]int {
	spans := map[string][2]int{}
	pos := headerLen
	for pos < len(b) {
		n := int(b[pos])
		name := string(b[pos+1 : pos+1+n])
		size := int(binary.LittleEndian.Uint64(b[pos+1+n:]))
		start := pos + 1 + n + 8
		spans[name] = [2]int{start, start + size}
		pos = start + size + 4
	}
	return spans
}

func TestRefusesBadFiles(t *testing.T) {
	good := validFile(t)
	check := func(what string, b []byte, want string) {
		t.Helper()
		_, _, err := Decode(b)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", what, err, want)
		}
	}
	check("empty", nil, "not a seqnet model file (it is empty)")
	check("JSON", []byte(`{"class_name": "Sequential"}`), `not a seqnet model file (it starts with "{\"class_": JSON`)
	check("zip", []byte("PK\x03\x04\x14\x00\x00\x00rest"), "a zip archive")
	check("hdf5", []byte("\x89HDF\r\n\x1a\n...."), "HDF5")
	check("text", []byte("hello world, this is text"), `not a seqnet model file (it starts with "hello wo")`)
	check("short header", good[:9], "truncated: the 11-byte header needs 11 bytes, file has 9")
	newer := slices.Clone(good)
	binary.LittleEndian.PutUint32(newer[len(Magic):], 7)
	check("newer", newer, "format version 7: this build reads versions 1 to 1")
	check("trailing", append(slices.Clone(good), 0), "after the end section")

	spans := sectionSpans(good)
	w := spans["weights"]
	check("cut in weights", good[:w[0]+10], "truncated: section weights needs")
	check("cut before end", good[:spans["end"][0]-1-3-8], "without the end section")
	for name, s := range spans {
		if s[1] == s[0] {
			continue
		}
		bad := slices.Clone(good)
		bad[(s[0]+s[1])/2] ^= 0x10
		check("flip in "+name, bad, "checksum mismatch in section "+name)
	}
	// Every prefix is refused, with a truncation message past the header.
	for n := 0; n < len(good); n++ {
		_, _, err := Decode(good[:n])
		if err == nil {
			t.Fatalf("prefix of %d bytes accepted", n)
		}
		if n >= headerLen && !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
	if _, _, err := Decode(good); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrorsNamePath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.seqnet")
	os.WriteFile(p, []byte("not a model"), 0o644)
	if _, _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("error %v does not name the file", err)
	}
	if _, _, err := Load(filepath.Join(dir, "missing.seqnet")); err == nil {
		t.Error("missing file accepted")
	}
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.seqnet")
	os.WriteFile(p, []byte("old"), 0o644)
	m := convNet(t, 4)
	if err := Save(p, m, Extra{}); err != nil {
		t.Fatal(err)
	}
	if err := Save(filepath.Join(dir, "nope", "m.seqnet"), m, Extra{}); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
	if err := Save(p, m, Extra{Preprocessing: json.RawMessage("{bad")}); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("bad preprocessing: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "m.seqnet" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only m.seqnet", names)
	}
	if _, _, err := Load(p); err != nil {
		t.Fatal(err)
	}
}

func TestHistoryNaN(t *testing.T) {
	m := convNet(t, 1)
	h := &model.History{Epochs: []int{0, 1}, Keys: []string{"loss", "val_loss"},
		Metrics: map[string][]float64{"loss": {0.5, 0.25}, "val_loss": {math.NaN(), math.Inf(1)}}}
	b, err := Encode(m, Extra{History: h})
	if err != nil {
		t.Fatal(err)
	}
	_, extra, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	v := extra.History.Metrics["val_loss"]
	if !math.IsNaN(v[0]) || !math.IsInf(v[1], 1) || extra.History.Metrics["loss"][1] != 0.25 {
		t.Errorf("history %v", extra.History.Metrics)
	}
}

// TestResumeDropout: the dropout masks continue too.
func TestResumeDropout(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x, y := randTensor(rng, 17, 13, 3), randTensor(rng, 17, 2)
	build := func() *model.Model {
		m, err := model.NewSequential(layers.Input(13, 3),
			layers.NewConv1D(4, 3, layers.ConvActivation("relu")),
			layers.NewDropout(0.4),
			layers.NewFlatten(),
			layers.NewDense(2, ""))
		if err != nil {
			t.Fatal(err)
		}
		m.Seed = 5
		if err := m.Build(); err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(model.CompileOptions{LossName: "mse"}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	whole, part := build(), build()
	if _, err := whole.Fit(x, y, model.FitOptions{Epochs: 3, BatchSize: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := part.Fit(x, y, model.FitOptions{Epochs: 1, BatchSize: 4}); err != nil {
		t.Fatal(err)
	}
	b, err := Encode(part, Extra{})
	if err != nil {
		t.Fatal(err)
	}
	resumed, _, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Fit(x, y, model.FitOptions{Epochs: 3, BatchSize: 4, Resume: true}); err != nil {
		t.Fatal(err)
	}
	sameWeights(t, whole, resumed)
}

// saveEvery saves the model at the end of every epoch, keeping the
// history so far, as a CLI checkpoint callback would.
type saveEvery struct {
	model.CallbackBase
	t    *testing.T
	dir  string
	hist model.History
}

func (c *saveEvery) OnEpochEnd(epoch int, logs model.Logs) {
	c.hist.Epochs = append(c.hist.Epochs, epoch)
	if c.hist.Metrics == nil {
		c.hist.Metrics = map[string][]float64{}
		c.hist.Keys = logs.Keys
	}
	for _, k := range logs.Keys {
		c.hist.Metrics[k] = append(c.hist.Metrics[k], logs.Values[k])
	}
	path := filepath.Join(c.dir, "epoch"+string(rune('0'+epoch))+".seqnet")
	if err := Save(path, c.M, Extra{History: &c.hist}); err != nil {
		c.t.Error(err)
	}
}

// TestSaveFromCallback: a checkpoint written by a callback during Fit
// resumes to the same weights as the uninterrupted run.
func TestSaveFromCallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x, y := randTensor(rng, 15, 13, 3), randTensor(rng, 15, 2)
	m := convNet(t, 6)
	if err := m.Compile(model.CompileOptions{LossName: "mae", Metrics: []string{"mse"}}); err != nil {
		t.Fatal(err)
	}
	cb := &saveEvery{t: t, dir: t.TempDir()}
	if _, err := m.Fit(x, y, model.FitOptions{Epochs: 4, BatchSize: 4, Callbacks: []model.Callback{cb}}); err != nil {
		t.Fatal(err)
	}
	resumed, extra, err := Load(filepath.Join(cb.dir, "epoch1.seqnet"))
	if err != nil {
		t.Fatal(err)
	}
	if extra.Epoch != 2 || len(extra.History.Metrics["mse"]) != 2 {
		t.Fatalf("epoch %d, history %v", extra.Epoch, extra.History.Metrics)
	}
	if _, err := resumed.Fit(x, y, model.FitOptions{Epochs: 4, BatchSize: 4, Resume: true}); err != nil {
		t.Fatal(err)
	}
	sameWeights(t, m, resumed)
}
