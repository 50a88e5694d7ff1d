package keras

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// The fixtures of testdata/kerasfiles are made by make_kerasfiles.py
// there; scripts/keras-files-check.sh points SEQNET_KERAS_FILES at freshly
// made ones.
var fileDir = cmp.Or(os.Getenv("SEQNET_KERAS_FILES"), "testdata/kerasfiles")

// jsonRoute reads a fixture's model.to_json() + numpy.savez pair.
func jsonRoute(t *testing.T, name string) (*model.Model, []*tensor.Tensor) {
	t.Helper()
	f, err := os.Open(filepath.Join(fileDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadModelJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ReadWeightsNPZ(filepath.Join(fileDir, name+".npz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := SetWeights(m, w); err != nil {
		t.Fatal(err)
	}
	return m, w
}

// fixtureInput draws an input batch for a fixture model: token ids (with
// some zeros, the mask value) for models that start with an Embedding.
func fixtureInput(m *model.Model, seed uint64) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, 7))
	shape := append([]int{5}, m.InputShapes()[0]...)
	x := tensor.New(shape...)
	if m.Layers()[0].ClassName() == "Embedding" {
		for i := range x.Data {
			if rng.IntN(4) > 0 {
				x.Data[i] = float32(1 + rng.IntN(19))
			}
		}
		return x
	}
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestReadModelFileMatchesJSONRoute: every .keras and .h5 fixture imports
// with the layers, weights and predictions of the same model read from
// model.to_json() + numpy.savez.
func TestReadModelFileMatchesJSONRoute(t *testing.T) {
	needClasses(t, "Embedding", "LSTM", "GRU", "Bidirectional", "BatchNormalization", "Concatenate")
	cases := []struct {
		file, model string
		format      string
		optimizer   bool
	}{
		{"textcnn.keras", "textcnn", "keras", false},
		{"textcnn.h5", "textcnn", "h5", false},
		{"convbn.keras", "convbn", "keras", true},
		{"convbn.h5", "convbn", "h5", true},
		{"rnns.keras", "rnns", "keras", false},
		{"rnns.h5", "rnns", "h5", false},
		{"bidir.keras", "bidir", "keras", false},
		{"bidir.h5", "bidir", "h5", false},
		{"bidir_latest.keras", "bidir", "keras", false}, // libver='latest', small groups
		{"deep.keras", "deep", "keras", false},
		{"deep.h5", "deep", "h5", false},
		{"convbn_chunked.h5", "convbn", "h5", false}, // layer_names0, layer_names1, …
		{"zoo.keras", "zoo", "keras", false},
		{"zoo.h5", "zoo", "h5", false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			ref, w := jsonRoute(t, c.model)
			m, info, err := ReadModelFile(filepath.Join(fileDir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != c.format || info.Weights != len(w) || info.OptimizerState != c.optimizer || info.KerasVersion == "" {
				t.Errorf("info %+v: want format %s, %d weights, optimizer state %v, a Keras version", info, c.format, len(w), c.optimizer)
			}
			if got, want := layerSummary(m), layerSummary(ref); got != want {
				t.Fatalf("layers %q, want %q", got, want)
			}
			got, err := KerasWeights(m)
			if err != nil {
				t.Fatal(err)
			}
			for i := range w {
				if !slices.Equal(got[i].Shape, w[i].Shape) || !slices.Equal(got[i].Data, w[i].Data) {
					t.Fatalf("weight %d differs from the .npz", i)
				}
			}
			x := fixtureInput(m, 1)
			sameOutputs(t, ref, m, x)
			pr, _ := ref.Predict(x, 5)
			pm, _ := m.Predict(x, 5)
			largest := 0.0
			for i := range pr.Data {
				largest = max(largest, math.Abs(float64(pr.Data[i]-pm.Data[i])))
			}
			t.Logf("%s: %d weight arrays; largest difference from the JSON + npz route: %g", c.file, info.Weights, largest)
			// The weights were really loaded: a fresh model of the same
			// config predicts differently.
			f, _ := os.Open(filepath.Join(fileDir, c.model+".json"))
			fresh, err := ReadModelJSON(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			pf, _ := fresh.Predict(x, 5)
			if slices.Equal(pf.Data, pm.Data) {
				t.Fatal("the imported model predicts like one with fresh weights")
			}
		})
	}
}

// TestReadModelFileRefusesMissingWeights: when the HDF5 reader finds fewer
// weight arrays than the config implies, the file is refused, never
// imported half-initialized. The libver='latest' fixtures are files on
// which github.com/scigolib/hdf5 v0.13.18 lists groups of more than 8
// members (and some headers) incompletely.
func TestReadModelFileRefusesMissingWeights(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"convbn_latest.keras", `layer 1 "conv1d" (Conv1D) needs 2 weight arrays; found 0 under layers/conv1d`},
		{"deep_latest.keras", `"dense" (Dense) needs 2 weight arrays; found 0`},
		{"convbn_latest.h5", "cannot read this HDF5 file"},
		{"bidir_latest.h5", "cannot read this HDF5 file"},
		{"deep_latest.h5", "cannot read this HDF5 file"},
	} {
		_, _, err := ReadModelFile(filepath.Join(fileDir, c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "libver='latest'") {
			t.Errorf("%s: error %v, want one containing %q and naming libver='latest'", c.file, err, c.want)
		}
	}
}

// rewriteKeras copies a .keras fixture with its config.json changed by
// edit, or with the member named drop left out.
func rewriteKeras(t *testing.T, name string, edit func(top map[string]any), drop string) string {
	t.Helper()
	z, err := zip.OpenReader(filepath.Join(fileDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := filepath.Join(t.TempDir(), name)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range z.File {
		if f.Name == drop {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == "config.json" && edit != nil {
			var top map[string]any
			if err := json.Unmarshal(b, &top); err != nil {
				t.Fatal(err)
			}
			edit(top)
			if b, err = json.Marshal(top); err != nil {
				t.Fatal(err)
			}
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// kerasMember returns one member of a .keras fixture.
func kerasMember(t *testing.T, file, name string) []byte {
	t.Helper()
	z, err := zip.OpenReader(filepath.Join(fileDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s has no %s", file, name)
	return nil
}

func configLayers(top map[string]any) []any {
	return top["config"].(map[string]any)["layers"].([]any)
}

func TestReadModelFileMismatchedWeights(t *testing.T) {
	layerCfg := func(top map[string]any, i int) map[string]any {
		return configLayers(top)[i].(map[string]any)["config"].(map[string]any)
	}
	for _, c := range []struct {
		name string
		edit func(top map[string]any)
		drop string
		want string
	}{
		{"an extra Dense layer", func(top map[string]any) {
			cfg := top["config"].(map[string]any)
			ls := configLayers(top)
			extra := map[string]any{"class_name": "Dense", "config": map[string]any{"name": "dense_2", "units": 2.0}}
			cfg["layers"] = append(ls, extra)
		}, "", `layer 7 "dense_2" (Dense) needs 2 weight arrays; found 0 under layers/dense_2`},
		{"a wider Dense layer", func(top map[string]any) {
			layerCfg(top, 5)["units"] = 9.0
		}, "", "weight kernel: layers/dense/vars/0 has shape [35 8], the config implies [35 9]"},
		{"a layer left out", func(top map[string]any) {
			cfg := top["config"].(map[string]any)
			ls := configLayers(top)
			cfg["layers"] = ls[:len(ls)-1]
		}, "", "the file holds weights at layers/dense_1/vars/0 that no layer of config.json uses"},
		{"no weights file", nil, "model.weights.h5", "the archive has no model.weights.h5"},
		{"no config", nil, "config.json", "the archive has no config.json"},
	} {
		p := rewriteKeras(t, "convbn.keras", c.edit, c.drop)
		_, _, err := ReadModelFile(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestReadModelFileForeignAndTruncated: files that are not Keras models,
// or are cut short, are refused with an error that says so.
func TestReadModelFileForeignAndTruncated(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(fileDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	js := read("convbn.json")
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"model.json", js, "is JSON, not a saved Keras model"},
		{"empty.h5", nil, "is not a Keras model file"},
		{"text.keras", []byte("hello, world"), "is not a Keras model file"},
		{"weights.npz", read("convbn.npz"), "the archive has no config.json"},
		{"half.keras", read("convbn.keras")[:len(read("convbn.keras"))/2], "not a readable .keras file"},
		{"half.h5", read("convbn.h5")[:len(read("convbn.h5"))/2], "the file is truncated: it is 12404 bytes, its header says 24808"},
		{"short.h5", read("convbn.h5")[:len(read("convbn.h5"))-1], "the file is truncated"},
		{"head.h5", read("convbn.h5")[:10], "not an HDF5 file"},
		{"weights2.h5", read("convbn_weights_only.h5"), "this is a Keras 2 weights-only file (model.save_weights)"},
		{"model.weights.h5", kerasMember(t, "convbn.keras", "model.weights.h5"), "this is a Keras 3 weights-only file (model.save_weights)"},
	} {
		_, _, err := ReadModelFile(write(c.name, c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"Conv1D": "conv1d", "BatchNormalization": "batch_normalization", "GlobalMaxPooling1D": "global_max_pooling1d",
		"LSTM": "lstm", "GRU": "gru", "InputLayer": "input_layer", "Conv1DTranspose": "conv1d_transpose",
		"SeparableConv1D": "separable_conv1d", "ABCDef": "abc_def", "SimpleRNN": "simple_rnn",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadModelFileMutations: damaged copies of the .h5 fixtures (bytes
// flipped or overwritten at random places) are refused or read, never a
// panic, a hang or a crash from a size read out of the file. This found a
// local heap size and an attribute's dataspace that the HDF5 reader
// allocates unchecked (a terabyte); internal/h5 now checks both first.
// FuzzReadModelFileH5 explores further.
func TestReadModelFileMutations(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fileDir, "*.h5"))
	n := 400
	if testing.Short() {
		n = 50
	}
	rng := rand.New(rand.NewPCG(1, 2))
	p := filepath.Join(t.TempDir(), "m.h5")
	for it := 0; it < n; it++ {
		b, err := os.ReadFile(files[rng.IntN(len(files))])
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 1+rng.IntN(4); k++ {
			i := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b[i] ^= 1 << rng.IntN(8)
			case 1:
				b[i] = byte(rng.IntN(256))
			default:
				b[i] = 0xff
			}
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		m, info, err := ReadModelFile(p)
		if err == nil && info.Weights != len(m.Params()) {
			t.Fatalf("mutation %d: accepted %d weight arrays for a model of %d", it, info.Weights, len(m.Params()))
		}
	}
}

// TestReadModelFileDamagedAllocatesLittle: the damaged files of the fuzz
// corpus are refused without allocating more than a small multiple of
// their size (sizes read from a file are checked before allocating).
// Before internal/h5 checked them, local-heap-size crashed the program
// asking for a terabyte and attribute-dataspace allocated gigabytes.
func TestReadModelFileDamagedAllocatesLittle(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzReadModelFileH5", "*"))
	if len(files) == 0 {
		t.Fatal("no fuzz corpus")
	}
	for _, c := range files {
		text, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(string(text), "go test fuzz v1\n[]byte(")
		if !ok {
			t.Fatalf("%s: not a fuzz corpus entry", c)
		}
		b, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(body), ")"))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		p := filepath.Join(t.TempDir(), "m.h5")
		if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ReadModelFile(p)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
			t.Errorf("%s: reading a %d-byte file allocated %d MB", filepath.Base(c), len(b), got>>20)
		}
	}
}
