package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/keras"
)

func init() {
	commands["import"] = command{runImport, "make a seqnet model file from Keras model.to_json() and weights"}
	commands["export"] = command{runExport, "write a seqnet model as Keras JSON and .npz weights"}
}

const importUsage = `Usage: seqnet import --keras-json model.json --weights weights.npz --out model.seqnet
       seqnet import --onnx model.onnx --out model.seqnet
       seqnet import --keras model.keras --out model.seqnet  (or model.h5)

Reads a Keras model's architecture (open("model.json", "w").write(model.to_json()))
and weights (numpy.savez("weights.npz", *model.get_weights())) and writes a
seqnet model file. Predict with it on NumPy arrays (seqnet predict --x), or
train it further on your data (seqnet train --model model.seqnet ...).

Flags:
  --keras-json FILE   Keras 2 or 3 model.to_json() output (Sequential or Functional)
  --weights FILE      numpy.savez of model.get_weights() (optional: fresh weights without it)
  --input-shape S     per-sample input shape, e.g. 100,8, for a Sequential model
                      saved without one
  --onnx FILE         an ONNX model instead: seqnet's own exports and what
                      torch.onnx.export writes for Conv1d text CNNs and
                      GRU/LSTM models (opsets 13-17)
  --keras FILE        a whole Keras model saved by model.save: Keras 3 .keras or
                      Keras 2 .h5 (architecture and weights; the optimizer
                      state such files may hold is not imported)
  --out FILE          the seqnet model file to write
`

const exportUsage = `Usage: seqnet export --model model.seqnet --keras-json out.json --weights out.npz
       seqnet export --model model.seqnet --onnx out.onnx

Writes the model as Keras 3 JSON and its weights in get_weights() order, for
  model = keras.models.model_from_json(open("out.json").read())
  model.set_weights(list(numpy.load("out.npz").values()))

Flags:
  --model FILE          a seqnet model file
  --keras-json FILE     the architecture to write
  --weights FILE        the weights to write (.npz)
  --preprocessing FILE  also write the stored preprocessing (label map,
                        scaler, vocabulary, columns) as JSON
  --onnx FILE           write the model as ONNX (opset 17) instead, for ONNX
                        Runtime and other engines; the preprocessing goes into
                        its metadata_props as JSON (seqnet.preprocessing)
`

func runImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	jsonPath := fs.String("keras-json", "", "")
	weights := fs.String("weights", "", "")
	shape := fs.String("input-shape", "", "")
	out := fs.String("out", "", "")
	onnxIn := fs.String("onnx", "", "")
	kerasIn := fs.String("keras", "", "")
	if done, st := parseFlags(fs, args, importUsage, stdout, stderr); done {
		return st
	}
	if *kerasIn != "" {
		if *jsonPath != "" || *weights != "" || *shape != "" || *onnxIn != "" {
			return finish(stderr, "import", userErr("--keras reads architecture and weights from one file; leave out --keras-json, --weights, --input-shape and --onnx"))
		}
		return finish(stderr, "import", importKerasFile(*kerasIn, *out, stdout))
	}
	if *onnxIn != "" {
		if *jsonPath != "" || *weights != "" || *shape != "" {
			return finish(stderr, "import", userErr("--onnx reads architecture and weights from one file; leave out --keras-json, --weights and --input-shape"))
		}
		return finish(stderr, "import", importONNX(*onnxIn, *out, stdout))
	}
	return finish(stderr, "import", importKeras(*jsonPath, *weights, *shape, *out, stdout))
}

func importKeras(jsonPath, weights, shape, out string, w io.Writer) error {
	if jsonPath == "" || out == "" {
		return userErr("--keras-json and --out are required, e.g. seqnet import --keras-json model.json --weights weights.npz --out model.seqnet")
	}
	if err := checkFile("--keras-json", jsonPath); err != nil {
		return err
	}
	if err := checkOutDir("--out", out); err != nil {
		return err
	}
	f, err := os.Open(jsonPath)
	if err != nil {
		return userErr("--keras-json %s: %v", jsonPath, err)
	}
	m, err := keras.ReadModelJSON(f)
	f.Close()
	if err != nil {
		return userErr("--keras-json %s: %v", jsonPath, err)
	}
	if shape != "" {
		dims, err := parseShape(shape)
		if err != nil {
			return err
		}
		if m.Built() {
			return userErr("--input-shape: the model already has its input shape from the JSON; leave the flag out")
		}
		if err := m.Build(dims...); err != nil {
			return asUser(err)
		}
	}
	if !m.Built() {
		return userErr("--keras-json %s: the model has no input shape: give it with --input-shape STEPS,CHANNELS (e.g. 100,8)", jsonPath)
	}
	if weights != "" {
		if err := loadKerasWeights(weights, m); err != nil {
			return err
		}
	}
	if err := checkpoint.Save(out, m, checkpoint.Extra{}); err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	fmt.Fprint(w, m.Summary())
	note := "with fresh weights (no --weights)"
	if weights != "" {
		note = "with the weights of " + weights
	}
	fmt.Fprintf(w, "saved %s %s\n", out, note)
	return nil
}

func parseShape(s string) ([]int, error) {
	var dims []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, userErr("--input-shape %q: expected positive whole numbers separated by commas, e.g. 100,8", s)
		}
		dims = append(dims, n)
	}
	return dims, nil
}

func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	modelPath := fs.String("model", "", "")
	jsonPath := fs.String("keras-json", "", "")
	weights := fs.String("weights", "", "")
	pre := fs.String("preprocessing", "", "")
	onnxOut := fs.String("onnx", "", "")
	if done, st := parseFlags(fs, args, exportUsage, stdout, stderr); done {
		return st
	}
	if *onnxOut != "" {
		if *jsonPath != "" || *weights != "" || *pre != "" {
			return finish(stderr, "export", userErr("--onnx writes one file with everything in it; leave out --keras-json, --weights and --preprocessing"))
		}
		return finish(stderr, "export", exportONNX(*modelPath, *onnxOut, stdout))
	}
	return finish(stderr, "export", exportKeras(*modelPath, *jsonPath, *weights, *pre, stdout))
}

func exportKeras(modelPath, jsonPath, weights, pre string, w io.Writer) error {
	if modelPath == "" || (jsonPath == "" && weights == "" && pre == "") {
		return userErr("--model and at least one of --keras-json, --weights, --preprocessing are required, e.g. seqnet export --model model.seqnet --keras-json model.json --weights weights.npz")
	}
	if err := checkFile("--model", modelPath); err != nil {
		return err
	}
	for _, o := range [][2]string{{"--keras-json", jsonPath}, {"--weights", weights}, {"--preprocessing", pre}} {
		if err := checkOutDir(o[0], o[1]); err != nil {
			return err
		}
	}
	m, extra, err := checkpoint.Load(modelPath)
	if err != nil {
		return userErr("--model %s: %v", modelPath, err)
	}
	if jsonPath != "" {
		var buf bytes.Buffer
		if err := keras.WriteModelJSON(&buf, m); err != nil {
			return fmt.Errorf("--keras-json: %w", err)
		}
		if err := writeFileAtomic(jsonPath, buf.Bytes()); err != nil {
			return fmt.Errorf("--keras-json %s: %w", jsonPath, err)
		}
		fmt.Fprintf(w, "architecture written to %s\n", jsonPath)
	}
	if weights != "" {
		if err := keras.WriteWeightsNPZ(weights, m); err != nil {
			return fmt.Errorf("--weights %s: %w", weights, err)
		}
		fmt.Fprintf(w, "%d weight arrays written to %s (Keras get_weights() order)\n", len(m.Params()), weights)
	}
	if pre != "" {
		if extra.Preprocessing == nil {
			return userErr("--preprocessing: %s holds no preprocessing (it was imported, not trained by seqnet train)", modelPath)
		}
		var buf bytes.Buffer
		buf.Write(extra.Preprocessing)
		buf.WriteByte('\n')
		if err := writeFileAtomic(pre, buf.Bytes()); err != nil {
			return fmt.Errorf("--preprocessing %s: %w", pre, err)
		}
		fmt.Fprintf(w, "preprocessing written to %s\n", pre)
	}
	return nil
}
