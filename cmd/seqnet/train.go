package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/seqnet/seqnet/internal/atomicfile"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/seqnet/seqnet/calendar"
	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/forecast"
	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/plot"
	"github.com/seqnet/seqnet/tensor"
	"github.com/seqnet/seqnet/textmodel"
)

func init() {
	commands["train"] = command{runTrain, "train a model from CSV, text, time-series or .npy files"}
}

const trainUsage = `Usage: seqnet train --data FILE [data flags] [--model SPEC] [--epochs N] --out MODEL.seqnet

Reads the data, prints how it was read and the model summary, trains with a
progress bar (one line per epoch when the output is not a terminal), and
saves the model with its preprocessing, history and training state, and the
learning curves beside it (MODEL-curves.png and .svg). Ctrl-C stops after
the current batch and saves a checkpoint that --resume continues exactly.

Data (one of):
  --data FILE.csv            a CSV/TSV table: one sample per row, F feature columns
                             read as F steps × 1 channel, and a target column
  --data FILE --window W     a time series: sliding windows of W rows
  --data FILE --text         labelled texts (e.g. label<TAB>subject lines)
  --x X.npy --y Y.npy        NumPy arrays; or --data/--x FILE.npz holding x and y
Data flags:
  --target COL          target column, by name or 0-based index (default: the last);
                        for --window the column(s) to forecast, comma-separated;
                        for --text the label column
  --features A,B,C      feature (input) columns (default: all but target and ignored)
  --ignore A,B          columns to skip (e.g. an id)
  --row-label COL       a column (e.g. a date) that names rows in messages and predictions;
                        for --window, a date, year or row-index column is found and used
                        as the row label (never silently a feature), and train says so
  --no-calendar         with --window and dated rows: no calendar features (month,
                        weekday, … as sin/cos pairs, as fits the detected spacing)
  --delimiter D         ',', ';', '|' or tab (default: detected)
  --header MODE         yes, no or auto (default auto)
  --fill POLICY         missing values: none (an error), zero, mean, previous or drop;
                        mean and previous store the training file's means / last values
                        and apply exactly those to new data
  --classes             read a numeric target (or integer y) as class labels
  --scale KIND          standard, minmax or none (default standard): feature scaling
                        fitted on the training part only, saved with the model
  --window W            rows per window (time series)
  --horizon H           rows from a window's last row to its target (default 1)
  --stride S            rows between window starts (default 1)
  --sampling-rate R     rows between steps inside a window (default 1)
  --text                read --data as labelled text
  --text-column COL     the text column (default: the one with the longest average text;
                        train says which)
  --max-tokens N        vocabulary cap, padding and [UNK] included (default 20000)
  --seq-len L           tokens per text (default: the 95th percentile of the training
                        texts' lengths; longer texts are cut, and train says how many)
  --word-vectors FILE   GloVe/word2vec text file loaded into the Embedding
Model:
  --model SPEC          cnn, textcnn, kimcnn, nbcnn, bow, forecast, lstm (default: nbcnn
                        for text, forecast for --window, cnn otherwise), a Keras model.to_json()
                        file, or a seqnet model file (trained further from its weights)
  --filters N           Conv1D filters (default 64)
  --kernel-size K       Conv1D kernel size (default 3)
  --embedding-dim D     Embedding size (default 64; the word vectors' size with --word-vectors)
  --units N             Dense/LSTM units (default 64)
  --dropout R           dropout rate (default 0.2)
  --freeze-embeddings   keep the Embedding fixed (with --word-vectors)
  --loss NAME           default: binary_crossentropy (2 classes),
                        sparse_categorical_crossentropy (more), mse (regression)
  --optimizer NAME      sgd, adam, rmsprop or adagrad (default adam)
  --learning-rate LR    default 0.001
Training:
  --epochs N            the epoch cap (default 100); with --resume, the total to reach
  --batch-size B        default 32
  --validation-split F  last fraction of the samples for validation (default 0.2;
                        time series: the last rows, split by time)
  --early-stopping P    stop after P epochs without improvement of the validation loss
                        and keep the best epoch's weights (default: a tenth of
                        --epochs, at least 5; 0: off, keep the last epoch)
  --seed N              weights, shuffling and dropout (default 1)
  --no-shuffle          keep the sample order in every epoch
  --out MODEL           the model file to write (required)
  --resume MODEL        continue an interrupted run exactly from its saved state
                        (data and settings come from the file; --out defaults to it)
  --no-curves           do not draw the learning curves

Exit status: 0 trained, 2 a problem with the flags or data (one line on stderr),
1 another failure, 130 interrupted (the checkpoint was saved).
`

// trainConfig is every setting of a training run, stored in the model file
// so that --resume continues with the same ones.
type trainConfig struct {
	Data         dataFlags `json:"data"`
	Model        string    `json:"model"`
	Arch         archFlags `json:"arch"`
	Loss         string    `json:"loss,omitempty"`
	Optimizer    string    `json:"optimizer"`
	LearningRate float64   `json:"learning_rate"`
	// OptimizerConfig is the optimizer's Keras get_config() arguments
	// (name, learning rate and the optimizer flags given).
	OptimizerConfig map[string]any `json:"optimizer_config,omitempty"`
	Epochs          int            `json:"epochs"` // the final epoch
	BatchSize       int            `json:"batch_size"`
	ValidationSplit float64        `json:"validation_split"`
	EarlyStopping   int            `json:"early_stopping"`
	Seed            uint64         `json:"seed"`
	NoShuffle       bool           `json:"no_shuffle"`
}

// testInterruptAfter, when > 0, interrupts training after that many
// batches exactly as Ctrl-C does (for tests).
var testInterruptAfter int

const exitInterrupted = 130

func runTrain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var c trainConfig
	c.Data.addTrainFlags(fs)
	fs.StringVar(&c.Model, "model", "", "")
	fs.IntVar(&c.Arch.Filters, "filters", 64, "")
	fs.IntVar(&c.Arch.KernelSize, "kernel-size", 3, "")
	fs.IntVar(&c.Arch.EmbeddingDim, "embedding-dim", 64, "")
	fs.IntVar(&c.Arch.Units, "units", 64, "")
	fs.Float64Var(&c.Arch.Dropout, "dropout", 0.2, "")
	fs.BoolVar(&c.Arch.FreezeEmbed, "freeze-embeddings", false, "")
	fs.StringVar(&c.Loss, "loss", "", "")
	fs.StringVar(&c.Optimizer, "optimizer", "adam", "")
	fs.Float64Var(&c.LearningRate, "learning-rate", 0.001, "")
	fs.IntVar(&c.Epochs, "epochs", 100, "")
	fs.IntVar(&c.BatchSize, "batch-size", 32, "")
	fs.Float64Var(&c.ValidationSplit, "validation-split", 0.2, "")
	fs.IntVar(&c.EarlyStopping, "early-stopping", -1, "")
	fs.Uint64Var(&c.Seed, "seed", 1, "")
	fs.BoolVar(&c.NoShuffle, "no-shuffle", false, "")
	out := fs.String("out", "", "")
	resume := fs.String("resume", "", "")
	noCurves := fs.Bool("no-curves", false, "")
	addOptimizerFlags(fs)
	if done, st := parseFlags(fs, args, trainUsage+"\n"+optimizerUsage, stdout, stderr); done {
		return st
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *resume == "" {
		cfg, err := optimizerConfig(fs, set, c.Optimizer, c.LearningRate)
		if err != nil {
			return finish(stderr, "train", err)
		}
		opt, _ := optimizers.FromConfig("", cfg) // checked by optimizerConfig
		c.OptimizerConfig, c.Optimizer, c.LearningRate = cfg, opt.Name(), opt.LearningRate()
	}
	t := &trainer{c: c, out: *out, resume: *resume, set: set, w: stdout, curves: !*noCurves}
	err := t.run()
	if err == nil && t.interrupted.Load() {
		return exitInterrupted
	}
	return finish(stderr, "train", err)
}

// trainer is one `seqnet train` run.
type trainer struct {
	c           trainConfig
	out, resume string
	set         map[string]bool
	w           io.Writer
	curves      bool

	m           *model.Model
	p           *pipeline.Pipeline
	prevHist    *model.History
	interrupted atomic.Bool
	// keepStart: the model starts from a fit (the forecaster's ridge
	// path); its starting weights are kept when no epoch beats them.
	keepStart bool
	season    int                    // a series' season from its dates (0: none known)
	textBlend *textmodel.BlendResult // nbcnn's linear part, blended with the CNN after training

}

// seriesSeason reads the row labels of a series' windows as dates, says
// their spacing, and returns its season (0 when unknown).
func (t *trainer) seriesSeason(ds *pipeline.Batch) (int, error) {
	if t.p.RowLabel == "" {
		return 0, nil
	}
	ts, err := calendar.ParseAll(ds.Rows, nil)
	if err != nil {
		return 0, userErr("--row-label %s: %v", t.p.RowLabel, err)
	}
	if ts == nil {
		return 0, nil
	}
	sp := calendar.DetectSpacing(ts)
	season := "no season"
	if sp.Season > 0 {
		season = fmt.Sprintf("season %d rows", sp.Season)
	}
	fmt.Fprintf(t.w, "dates: the row label %s holds %s dates (%s)\n", t.p.RowLabel, sp.Name, season)
	return sp.Season, nil
}

func (t *trainer) check() error {
	c := &t.c
	if t.out == "" && t.resume == "" {
		return userErr("--out is required: the model file to write, e.g. --out model.seqnet")
	}
	if err := checkOutDir("--out", t.out); err != nil {
		return err
	}
	if err := t.checkApplicable(); err != nil {
		return err
	}
	if c.Epochs <= 0 {
		return userErr("--epochs must be positive, received %d", c.Epochs)
	}
	if c.BatchSize <= 0 {
		return userErr("--batch-size must be positive, received %d", c.BatchSize)
	}
	if !(c.ValidationSplit >= 0 && c.ValidationSplit < 1) { // NaN too
		return userErr("--validation-split must be in [0, 1), received %g", c.ValidationSplit)
	}
	if c.EarlyStopping < -1 {
		return userErr("--early-stopping must be ≥ 0 (0: off; default: a tenth of --epochs, at least 5), received %d", c.EarlyStopping)
	}
	switch c.Optimizer {
	case "sgd", "adam", "rmsprop", "adagrad":
	default:
		return userErr("--optimizer %q: expected sgd, adam, rmsprop or adagrad", c.Optimizer)
	}
	if !(c.LearningRate > 0) {
		return userErr("--learning-rate must be positive, received %g", c.LearningRate)
	}
	return nil
}

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

func (t *trainer) run() error {
	if err := t.check(); err != nil {
		return err
	}
	if t.resume != "" {
		return t.runResume()
	}
	c := &t.c
	spec := c.Model
	initialEpoch := 0
	var builtin bool
	switch {
	case spec == "":
		kind, err := c.Data.kindOf()
		if err != nil {
			return err
		}
		spec, builtin = defaultArch(kind), true
	case isBuiltin(spec):
		builtin = true
	default:
		st, err := os.Stat(spec)
		if err != nil || st.IsDir() {
			return unknownSpec(spec)
		}
		if isSeqnetFile(spec) {
			m, extra, p, err := loadModelFile("--model", spec)
			if err != nil {
				return err
			}
			t.m, t.p, t.prevHist, initialEpoch = m, p, extra.History, extra.Epoch
		} else {
			f, err := os.Open(spec)
			if err != nil {
				return userErr("--model %s: %v", spec, err)
			}
			m, err := keras.ReadModelJSON(f)
			f.Close()
			if err != nil {
				return userErr("--model %s: %v", spec, err)
			}
			t.m = m
		}
	}
	fresh := t.p == nil || t.p.Kind == ""
	p, ds, err := readTraining(&c.Data, t.p, c.ValidationSplit)
	if err != nil {
		return err
	}
	t.p = p
	fmt.Fprintf(t.w, "data: %s\n", indentRest(ds.Report))
	var em *data.EmbeddingMatrix
	if c.Data.WordVectors != "" {
		if !fresh || t.p.Kind != pipeline.KindText {
			return userErr("--word-vectors needs text read with --text by this run (not a saved model's vocabulary)")
		}
		em, err = readWordVectors(c.Data.WordVectors, t.p)
		if err != nil {
			return err
		}
		if builtin {
			if t.set["embedding-dim"] && c.Arch.EmbeddingDim != em.Matrix.Shape[1] {
				return userErr("--embedding-dim %d differs from the word vectors' size %d: leave --embedding-dim out", c.Arch.EmbeddingDim, em.Matrix.Shape[1])
			}
			c.Arch.EmbeddingDim = em.Matrix.Shape[1]
		}
		fmt.Fprintf(t.w, "word vectors: %s\n", t.p.WordVectors)
	}
	in := ds.X.Shape[1:]
	if ds.X.Rank() == 3 && t.p.Kind == pipeline.KindText {
		in = ds.X.Shape[1:2]
	}
	if t.p.Kind == pipeline.KindSeries {
		if t.season, err = t.seriesSeason(ds); err != nil {
			return err
		}
	}
	// The forecaster's sizing and ridge start need a series' windows
	// (split by time); on other data it trains from its initial weights.
	isForecast := builtin && strings.EqualFold(spec, "forecast") && t.p.Kind == pipeline.KindSeries
	if isForecast && !t.set["filters"] {
		c.Arch.Filters = forecast.Filters(ds.X.Shape[0])
		fmt.Fprintf(t.w, "capacity: %d filters per Conv1D for %d training windows (--filters to change)\n", c.Arch.Filters, ds.X.Shape[0])
	}
	if builtin {
		if t.m, err = buildArch(spec, c.Arch, t.p, in, c.Seed); err != nil {
			return err
		}
		fmt.Fprintf(t.w, "model: %s: %s\n", spec, describeArch(spec))
		if isForecast {
			season := t.season
			vx, vy := ds.ValX, ds.ValY
			if vx == nil {
				vx, vy = ds.X, ds.Y
			}
			st, err := forecast.InitLinear(t.m, forecastOptions(c.Arch, t.p, in, season, c.Seed), ds.X, ds.Y, vx, vy)
			if err != nil {
				return asUser(err)
			}
			alpha := fmt.Sprintf("alpha %.3g", st.Alpha)
			if math.IsInf(st.Alpha, 1) {
				alpha = "alpha ∞: no change, the naive forecast itself"
			}
			fmt.Fprintf(t.w, "linear path: started at the ridge fit on the training windows that does best on the validation windows: the change from the %s (%s)\n", st.Anchor, alpha)
			t.keepStart = true
		}
		if strings.EqualFold(spec, "nbcnn") {
			if err := t.startText(ds, c.ValidationSplit); err != nil {
				return err
			}
		}
	} else {
		t.m.Seed = c.Seed
		if !t.m.Built() {
			if err := t.m.Build(in...); err != nil {
				return asUser(err)
			}
		}
		fmt.Fprintf(t.w, "model: %s\n", spec)
	}
	if em != nil {
		if err := setEmbeddings(t.m, em); err != nil {
			return err
		}
	}
	if t.m.Optimizer() == nil || t.set["loss"] || t.set["optimizer"] || t.set["learning-rate"] || t.optimizerFlagSet() {
		opt, err := optimizers.FromConfig("", c.OptimizerConfig)
		if err != nil {
			return asUser(err)
		}
		if err := compileWith(t.m, t.p, c.Loss, opt); err != nil {
			return err
		}
	}
	fmt.Fprint(t.w, t.m.Summary())
	c.Model = spec
	c.Epochs += initialEpoch
	return t.fit(ds, model.FitOptions{InitialEpoch: initialEpoch})
}

func (t *trainer) runResume() error {
	m, extra, p, err := loadModelFile("--resume", t.resume)
	if err != nil {
		return err
	}
	storedC, err := storedTrainConfig(p)
	if err != nil {
		return userErr("--resume %s: %v", t.resume, err)
	}
	if storedC == nil {
		return userErr("--resume %s: the file holds no training settings (it was not written by seqnet train); train it further with --model %s instead", t.resume, t.resume)
	}
	stored := *storedC
	c := t.c
	for name := range t.set {
		switch name {
		case "epochs":
			stored.Epochs = c.Epochs
		case "early-stopping":
			stored.EarlyStopping = c.EarlyStopping
		case "data":
			stored.Data.Data = c.Data.Data
		case "x":
			stored.Data.X = c.Data.X
		case "y":
			stored.Data.Y = c.Data.Y
		case "out", "resume", "no-curves":
		default:
			return userErr("--%s cannot be changed with --resume (training continues exactly with the stored settings): leave it out, or train a new model with --model %s", name, t.resume)
		}
	}
	t.c, t.m, t.p, t.prevHist = stored, m, p, extra.History
	if t.out == "" {
		t.out = t.resume
	}
	if extra.Epoch >= t.c.Epochs {
		st, _ := m.TrainingState()
		if st.Batch == 0 {
			return userErr("--resume %s: the model has already trained %d of %d epochs: give a larger --epochs (the total to reach) to train on", t.resume, extra.Epoch, t.c.Epochs)
		}
	}
	if m.Optimizer() == nil {
		return userErr("--resume %s: the file holds no optimizer state to resume from", t.resume)
	}
	if err := t.checkStoredData(); err != nil {
		return err
	}
	p, ds, err := readTraining(&t.c.Data, p, t.c.ValidationSplit)
	if err != nil {
		return err
	}
	t.p = p
	fmt.Fprintf(t.w, "data: %s\n", indentRest(ds.Report))
	st, _ := m.TrainingState()
	where := fmt.Sprintf("after epoch %d", st.Epoch)
	if st.Batch > 0 {
		where = fmt.Sprintf("in epoch %d after batch %d", st.Epoch+1, st.Batch)
	}
	fmt.Fprintf(t.w, "resuming %s %s, to epoch %d\n", t.resume, where, t.c.Epochs)
	return t.fit(ds, model.FitOptions{Resume: true})
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
		loss = defaultLoss(p.Task)
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

// earlyStop is EarlyStopping that keeps the current weights when training
// was interrupted (so the checkpoint resumes exactly).
type earlyStop struct {
	*model.EarlyStopping
	interrupted *atomic.Bool
}

func (e earlyStop) OnTrainEnd() {
	if !e.interrupted.Load() {
		e.EarlyStopping.OnTrainEnd()
	}
}

// interruptAfter calls stop after n batches (tests).
type interruptAfter struct {
	model.CallbackBase
	n, seen int
	stop    func()
}

func (c *interruptAfter) OnBatchEnd(int, model.Logs) {
	c.seen++
	if c.seen == c.n {
		c.stop()
	}
}

func (t *trainer) fit(ds *pipeline.Batch, o model.FitOptions) error {
	c := &t.c
	o.Epochs, o.BatchSize, o.NoShuffle = c.Epochs, c.BatchSize, c.NoShuffle
	n := ds.X.Shape[0]
	nTrain := n
	if ds.ValX != nil {
		o.ValidationData = &model.Dataset{X: []*tensor.Tensor{ds.ValX}, Y: []*tensor.Tensor{ds.ValY}}
	} else if c.ValidationSplit > 0 {
		o.ValidationSplit = c.ValidationSplit
		nTrain = splitAt(n, c.ValidationSplit)
		if nTrain == 0 || nTrain == n {
			return userErr("--validation-split %g of %d samples leaves %d for training and %d for validation; both need at least one", c.ValidationSplit, n, nTrain, n-nTrain)
		}
	}
	validating := o.ValidationData != nil || o.ValidationSplit > 0
	stop := func() {
		t.interrupted.Store(true)
		t.m.Stop()
	}
	var units *dataUnits
	if sc := t.p.OutputScaler(); sc != nil && t.p.Task == pipeline.TaskRegression {
		then := "seqnet evaluate gives the mean absolute error in the data's units"
		if t.p.Kind == pipeline.KindSeries {
			then = "after training, the model and the baselines are compared in the data's units"
		}
		units = newDataUnits(sc, t.p.Outputs)
		also := ""
		if units != nil {
			also = fmt.Sprintf("; the mae figures in brackets are in the units of `%s`", units.name)
		}
		fmt.Fprintf(t.w, "units: the epoch lines' loss and mae are in scaled units (the targets' %s scaling)%s; %s\n", sc.Kind, also, then)
	}
	prog := newProgress(t.w, c.Epochs, (nTrain+c.BatchSize-1)/c.BatchSize)
	prog.units = units
	o.Callbacks = append(o.Callbacks, prog)
	var es *model.EarlyStopping
	if patience := earlyStoppingPatience(c.EarlyStopping, c.Epochs); patience > 0 {
		es = &model.EarlyStopping{Patience: patience, RestoreBestWeights: true, Verbose: t.w}
		if !validating {
			es.Monitor = "loss"
		}
		o.Callbacks = append(o.Callbacks, earlyStop{es, &t.interrupted})
	}
	if testInterruptAfter > 0 {
		o.Callbacks = append(o.Callbacks, &interruptAfter{n: testInterruptAfter, stop: stop})
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			signal.Stop(sig) // a second Ctrl-C ends the program at once
			fmt.Fprintln(t.w, "\ninterrupted: stopping after this batch and saving a checkpoint (Ctrl-C again to quit without saving)")
			stop()
		case <-done:
		}
	}()
	var start []*tensor.Tensor
	startLoss := math.Inf(1)
	if t.keepStart && es != nil && validating {
		vx, vy := ds.X.Rows(nTrain, n), ds.Y.Rows(nTrain, n)
		if o.ValidationData != nil {
			vx, vy = o.ValidationData.X[0], o.ValidationData.Y[0]
		}
		logs, err := t.m.Evaluate(vx, vy, 256)
		if err != nil {
			return asUser(err)
		}
		start, startLoss = t.m.Weights(), logs.Values["loss"]
	}
	hist, err := t.m.Fit(ds.X, ds.Y, o)
	close(done)
	signal.Stop(sig)
	if err != nil {
		return asUser(err)
	}
	keptStart := false
	if start != nil && !t.interrupted.Load() && !(es.Best < startLoss) {
		if err := t.m.SetWeights(start); err != nil {
			return err
		}
		keptStart = true
	}
	blend := t.textBlend != nil && !t.interrupted.Load()
	if blend {
		if err := t.addCNN(ds); err != nil {
			return err
		}
	}
	if !t.interrupted.Load() {
		if err := t.baselines(ds, nTrain, n); err != nil {
			return err
		}
	}
	if blend {
		if err := t.refitText(ds); err != nil {
			return err
		}
	}
	all := mergeHistory(t.prevHist, hist)
	t.c.Data.WordVectors = "" // loaded into the weights; not needed again
	if t.p.Train, err = json.Marshal(&t.c); err != nil {
		return err
	}
	pre, err := json.Marshal(t.p)
	if err != nil {
		return err
	}
	if err := checkpoint.Save(t.out, t.m, checkpoint.Extra{Preprocessing: pre, History: all}); err != nil {
		return fmt.Errorf("saving the model: %w", err)
	}
	st, _ := t.m.TrainingState()
	if t.interrupted.Load() {
		where := fmt.Sprintf("after epoch %d", st.Epoch)
		if st.Batch > 0 {
			where = fmt.Sprintf("in epoch %d after batch %d", st.Epoch+1, st.Batch)
		}
		fmt.Fprintf(t.w, "interrupted %s; checkpoint saved to %s\ncontinue with: seqnet train --resume %s\n", where, t.out, t.out)
		return nil
	}
	kept := len(hist.Epochs) - 1 // index in hist of the epoch whose weights are kept
	if es != nil && !math.IsInf(es.Best, 0) {
		for i, e := range hist.Epochs {
			if e == es.BestEpoch {
				kept = i
			}
		}
	}
	var metrics []string
	for _, k := range hist.Keys {
		if kept >= 0 && kept < len(hist.Metrics[k]) {
			metrics = append(metrics, fmt.Sprintf("%s %.4f", k, hist.Metrics[k][kept]))
		}
	}
	keptEpoch := st.Epoch
	if kept >= 0 {
		keptEpoch = hist.Epochs[kept] + 1
	}
	why := "the last"
	if es != nil {
		why = "the best " + esMonitor(es)
	}
	if keptStart {
		fmt.Fprintf(t.w, "saved %s (%d epochs trained; no epoch beat the starting fit's val_loss %.4f: kept the starting weights)\n", t.out, st.Epoch, startLoss)
	} else {
		inUnits := units.describe(hist.Keys, func(k string) (float64, bool) {
			if kept < 0 || kept >= len(hist.Metrics[k]) {
				return 0, false
			}
			return hist.Metrics[k][kept], true
		})
		if inUnits != "" {
			inUnits = "; " + inUnits
		}
		fmt.Fprintf(t.w, "saved %s (%d epochs trained; kept epoch %d's weights, %s: %s%s)\n", t.out, st.Epoch, keptEpoch, why, strings.Join(metrics, ", "), inUnits)
	}
	if t.curves && len(all.Epochs) > 0 {
		png, svg, err := drawCurves(t.out, all)
		if err != nil {
			fmt.Fprintf(t.w, "learning curves not drawn: %v\n", oneLine(err.Error()))
		} else {
			fmt.Fprintf(t.w, "learning curves: %s, %s\n", png, svg)
		}
	}
	return nil
}

// baselines prints the model beside the simple baselines on the
// validation rows (samples nTrain… of n when Fit split them), and keeps a
// series' ridge baseline for seqnet evaluate.
func (t *trainer) baselines(ds *pipeline.Batch, nTrain, n int) error {
	switch {
	case t.p.Kind == pipeline.KindSeries && ds.ValX != nil && t.p.Windowing != nil:
		r, err := fitSeriesRidge(ds.X, ds.Y, ds.ValX, ds.ValY)
		if err != nil {
			r = nil
			fmt.Fprintf(t.w, "ridge baseline not fitted: %v\n", oneLine(err.Error()))
		}
		t.p.Baseline = &pipeline.SeriesBaseline{Season: t.season, Ridge: r}
		return seriesReport(t.w, "validation", t.m, t.p, ds.ValX, ds.ValY, t.season, r)
	case (t.p.Task == pipeline.TaskBinary || t.p.Task == pipeline.TaskMulticlass) && nTrain < n && ds.ValX == nil:
		t.p.ClassBaseline = fitClassBaselines(t.p, ds.X.Rows(0, nTrain), ds.Y.Rows(0, nTrain))
		return classReport(t.w, "validation", t.m, t.p, t.p.ClassBaseline, ds.X.Rows(nTrain, n), ds.Y.Rows(nTrain, n))
	}
	return nil
}

// earlyStoppingPatience is --early-stopping's patience: the flag when
// given (0: off), else a tenth of the epoch cap, at least 5.
func earlyStoppingPatience(flagValue, epochs int) int {
	if flagValue >= 0 {
		return flagValue
	}
	return max(5, epochs/10)
}

func esMonitor(es *model.EarlyStopping) string {
	if es.Monitor == "" {
		return "val_loss"
	}
	return es.Monitor
}

// mergeHistory appends b to a (a may be nil).
func mergeHistory(a, b *model.History) *model.History {
	if a == nil || len(a.Epochs) == 0 {
		return b
	}
	if b == nil {
		return a
	}
	out := &model.History{Epochs: append(append([]int(nil), a.Epochs...), b.Epochs...), Metrics: map[string][]float64{}}
	keys := append([]string(nil), a.Keys...)
	for _, k := range b.Keys {
		found := false
		for _, k2 := range keys {
			found = found || k == k2
		}
		if !found {
			keys = append(keys, k)
		}
	}
	out.Keys = keys
	pad := func(v []float64, n int) []float64 {
		for len(v) < n {
			v = append(v, math.NaN())
		}
		return v
	}
	for _, k := range keys {
		v := pad(append([]float64(nil), a.Metrics[k]...), len(a.Epochs))
		out.Metrics[k] = append(v, pad(append([]float64(nil), b.Metrics[k]...), len(b.Epochs))...)
	}
	return out
}

// drawCurves writes MODEL-curves.png and .svg beside the model.
func drawCurves(out string, h *model.History) (string, string, error) {
	base := strings.TrimSuffix(out, filepath.Ext(out)) + "-curves"
	epochs := make([]int, len(h.Epochs))
	for i, e := range h.Epochs {
		epochs[i] = e + 1
	}
	title := "Learning curves: " + filepath.Base(out)
	for _, ext := range []string{".png", ".svg"} {
		if err := plot.LearningCurvesEpochs(base+ext, title, epochs, h.Metrics); err != nil {
			return "", "", err
		}
	}
	return base + ".png", base + ".svg", nil
}

// indentRest indents every line after the first.
func indentRest(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// writeFileAtomic writes data to path atomically (internal/atomicfile).
func writeFileAtomic(path string, data []byte) error { return atomicfile.WriteFile(path, data) }
