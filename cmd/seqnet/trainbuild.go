package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/forecast"
	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/textmodel"
)

// loadModelFile loads a seqnet model file, as a user input.
func loadModelFile(flagName, path string) (*model.Model, checkpoint.Extra, *pipeline.Pipeline, error) {
	if err := checkFile(flagName, path); err != nil {
		return nil, checkpoint.Extra{}, nil, err
	}
	m, extra, err := checkpoint.Load(path)
	if err != nil {
		return nil, extra, nil, userErr("%s %s: %v", flagName, path, err)
	}
	p, err := pipeline.Parse(extra.Preprocessing)
	if err != nil {
		return nil, extra, nil, userErr("%s %s: %v", flagName, path, err)
	}
	if flagName != "model" { // summary shows any model
		if err := checkWeights(flagName, path, m); err != nil {
			return nil, extra, nil, err
		}
	}
	return m, extra, p, nil
}

// storedTrainConfig decodes the training settings stored in a model file by
// seqnet train (nil: none stored).
func storedTrainConfig(p *pipeline.Pipeline) (*trainConfig, error) {
	if len(p.Train) == 0 {
		return nil, nil
	}
	var c trainConfig
	if err := json.Unmarshal(p.Train, &c); err != nil {
		return nil, fmt.Errorf("model file: training settings: %v", err)
	}
	return &c, nil
}

// isSeqnetFile reports whether path starts with the seqnet model magic.
func isSeqnetFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(checkpoint.Magic))
	_, err = io.ReadFull(f, b)
	return err == nil && string(b) == checkpoint.Magic
}

// startingModel reads --model: a built-in architecture's name (built once
// the data is read), a seqnet model file or a Keras JSON file. For a model
// file it also returns the epoch it has trained to.
func (t *trainer) startingModel() (spec string, builtin bool, initialEpoch int, err error) {
	c := &t.c
	spec = c.Model
	switch {
	case spec == "":
		kind, err := c.Data.kindOf()
		if err != nil {
			return "", false, 0, err
		}
		return defaultArch(kind), true, 0, nil
	case isBuiltin(spec):
		return spec, true, 0, nil
	}
	st, err := os.Stat(spec)
	if err != nil || st.IsDir() {
		return "", false, 0, unknownSpec(spec)
	}
	if isSeqnetFile(spec) {
		m, extra, p, err := loadModelFile("--model", spec)
		if err != nil {
			return "", false, 0, err
		}
		t.m, t.p, t.prevHist = m, p, extra.History
		return spec, false, extra.Epoch, nil
	}
	f, err := os.Open(spec)
	if err != nil {
		return "", false, 0, userErr("--model %s: %v", spec, err)
	}
	m, err := keras.ReadModelJSON(f)
	f.Close()
	if err != nil {
		return "", false, 0, userErr("--model %s: %v", spec, err)
	}
	t.m = m
	return spec, false, 0, nil
}

// wordVectors reads --word-vectors (nil when not given) and, for a
// built-in architecture, sizes its Embedding to them.
func (t *trainer) wordVectors(fresh, builtin bool) (*data.EmbeddingMatrix, error) {
	c := &t.c
	if c.Data.WordVectors == "" {
		return nil, nil
	}
	if !fresh || t.p.Kind != pipeline.KindText {
		return nil, userErr("--word-vectors needs text read with --text by this run (not a saved model's vocabulary)")
	}
	em, err := readWordVectors(c.Data.WordVectors, t.p)
	if err != nil {
		return nil, err
	}
	if builtin {
		if t.set["embedding-dim"] && c.Arch.EmbeddingDim != em.Matrix.Shape[1] {
			return nil, userErr("--embedding-dim %d differs from the word vectors' size %d: leave --embedding-dim out", c.Arch.EmbeddingDim, em.Matrix.Shape[1])
		}
		c.Arch.EmbeddingDim = em.Matrix.Shape[1]
	}
	fmt.Fprintf(t.w, "word vectors: %s\n", t.p.WordVectors)
	return em, nil
}

// buildBuiltin builds the built-in architecture spec for inputs of shape
// in, and gives the forecaster and the bag-of-words CNN their fitted start.
func (t *trainer) buildBuiltin(spec string, ds *pipeline.Batch, in []int) error {
	c := &t.c
	// The forecaster's sizing and ridge start need a series' windows
	// (split by time); on other data it trains from its initial weights.
	isForecast := strings.EqualFold(spec, "forecast") && t.p.Kind == pipeline.KindSeries
	if isForecast && !t.set["filters"] {
		c.Arch.Filters = forecast.Filters(ds.X.Shape[0])
		fmt.Fprintf(t.w, "capacity: %d filters per Conv1D for %d training windows (--filters to change)\n", c.Arch.Filters, ds.X.Shape[0])
	}
	var err error
	if t.m, err = buildArch(spec, c.Arch, t.p, in, c.Seed); err != nil {
		return err
	}
	fmt.Fprintf(t.w, "model: %s: %s\n", spec, describeArch(spec))
	if isForecast {
		if err := t.startForecast(ds, in); err != nil {
			return err
		}
	}
	if strings.EqualFold(spec, "nbcnn") {
		return t.startText(ds, c.ValidationSplit)
	}
	return nil
}

// startForecast starts the forecaster's linear path at the combination
// of ridge fits forecast.InitLinear chooses.
func (t *trainer) startForecast(ds *pipeline.Batch, in []int) error {
	c := &t.c
	vx, vy := ds.ValX, ds.ValY
	if vx == nil {
		vx, vy = ds.X, ds.Y
	}
	st, err := forecast.InitLinear(t.m, forecastOptions(c.Arch, t.p, in, t.season, c.Seed), ds.X, ds.Y, vx, vy)
	if err != nil {
		return asUser(err)
	}
	fmt.Fprintf(t.w, "linear path: started at ridge fits on the training windows, weighted on the validation windows: %s\n", st)
	t.fcStart = &st
	t.keepStart = true
	return nil
}

// buildGiven builds a model read from a file for inputs of shape in.
func (t *trainer) buildGiven(spec string, in []int) error {
	t.m.Seed = t.c.Seed
	if !t.m.Built() {
		if err := t.m.Build(in...); err != nil {
			return asUser(err)
		}
	}
	fmt.Fprintf(t.w, "model: %s\n", spec)
	return nil
}

// compile compiles the model unless it comes compiled from a file and no
// flag asks for another loss or optimizer.
func (t *trainer) compile() error {
	if t.m.Optimizer() != nil && !t.set["loss"] && !t.set["optimizer"] && !t.set["learning-rate"] && !t.optimizerFlagSet() {
		return nil
	}
	opt, err := optimizers.FromConfig("", t.c.OptimizerConfig)
	if err != nil {
		return asUser(err)
	}
	return compileWith(t.m, t.p, t.c.Loss, opt)
}

// optimizerFlagSet reports whether an optimizer argument flag was given.
func (t *trainer) optimizerFlagSet() bool {
	for f := range optimizerFlags {
		if t.set[f] {
			return true
		}
	}
	return t.set["optimizer-config"]
}

// compileFor compiles m with the task's loss unless one is given.
func compileFor(m *model.Model, p *pipeline.Pipeline, loss, opt string, lr float64) error {
	o, err := optimizers.Get(opt, lr)
	if err != nil {
		return asUser(err)
	}
	return compileWith(m, p, loss, o)
}

// compileWith compiles m with opt and the task's loss unless one is given.
func compileWith(m *model.Model, p *pipeline.Pipeline, loss string, opt optimizers.Optimizer) error {
	if loss == "" {
		loss = defaultLossFor(m, p.Task)
	}
	metrics := []string{"mae"}
	if p.Task == pipeline.TaskBinary || p.Task == pipeline.TaskMulticlass {
		metrics = []string{"accuracy"}
	}
	if err := m.Compile(model.CompileOptions{Optimizer: opt, LossName: loss, Metrics: metrics}); err != nil {
		return asUser(fmt.Errorf("--loss %s: %w", loss, err))
	}
	return nil
}

func defaultLoss(task string) string {
	switch task {
	case pipeline.TaskBinary:
		return "binary_crossentropy"
	case pipeline.TaskMulticlass:
		return "sparse_categorical_crossentropy"
	}
	return "mse"
}

func readWordVectors(path string, p *pipeline.Pipeline) (*data.EmbeddingMatrix, error) {
	if err := checkFile("--word-vectors", path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, userErr("--word-vectors %s: %v", path, err)
	}
	defer f.Close()
	wv, err := data.ReadWordVectors(f)
	if err != nil {
		return nil, userErr("--word-vectors %s: %v", path, err)
	}
	em := wv.Align(p.Vectorizer.Vocabulary)
	p.WordVectors = fmt.Sprintf("%s: %s", filepath.Base(path), em.Describe())
	return em, nil
}

// setEmbeddings loads the word vectors into the model's Embedding.
func setEmbeddings(m *model.Model, em *data.EmbeddingMatrix) error {
	for _, l := range m.Layers() {
		e, ok := l.(*layers.Embedding)
		if !ok || e.InputDim != em.Matrix.Shape[0] || e.Name == textmodel.BagName {
			continue
		}
		if e.OutputDim != em.Matrix.Shape[1] {
			return userErr("--word-vectors: the Embedding %q has output_dim %d but the vectors have %d values", e.Name, e.OutputDim, em.Matrix.Shape[1])
		}
		return asUser(e.SetEmbeddings(em.Matrix))
	}
	return userErr("--word-vectors: the model has no Embedding layer with input_dim %d (the vocabulary size)", em.Matrix.Shape[0])
}

// checkModelBatch checks the --model and --batch-size flags shared by the
// commands that run a saved model over a file (evaluate, predict).
func checkModelBatch(modelPath string, batch int) error {
	if modelPath == "" {
		return userErr("--model is required: the model file written by seqnet train, e.g. --model model.seqnet")
	}
	if batch <= 0 {
		return userErr("--batch-size must be positive, received %d", batch)
	}
	return nil
}

// loadModelRows loads the model at modelPath and reads d's file through the
// model's stored preprocessing, with the target column when withTargets.
func loadModelRows(d *dataFlags, modelPath string, withTargets bool) (*model.Model, *pipeline.Pipeline, *pipeline.Batch, error) {
	m, _, p, err := loadModelFile("--model", modelPath)
	if err != nil {
		return nil, nil, nil, err
	}
	d.rank = modelRank(m)
	ds, err := p.Transform(d.source(), withTargets)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, p, ds, nil
}
