package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/seqnet/seqnet/calendar"
	"github.com/seqnet/seqnet/forecast"
	"github.com/seqnet/seqnet/internal/atomicfile"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/optimizers"
	"github.com/seqnet/seqnet/pipeline"
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
the current batch and saves a checkpoint that --resume continues exactly
(early stopping's best epoch, weights and patience count included); after
the last epoch it cuts nothing short and the run finishes. A second Ctrl-C
quits at once.

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
  --classes             read a numeric target (or integer y) as class labels; y of
                        shape (samples, steps): one class per step (also with a sparse --loss)
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
  --standardize MODE    how texts become words: lower_and_split_punctuation (default:
                        ASCII lowered, apostrophes deleted, other punctuation separates
                        words: "[Razor-users]" → razor users) or lower_and_strip_punctuation
                        (Keras TextVectorization's default: punctuation deleted → razorusers)
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
                        (data and settings come from the file; --out defaults to it);
                        with --epochs at the epochs trained: finish it without training more.
                        A finished model trains on to a larger --epochs with early stopping
                        started afresh: the best of the new epochs is kept, even if the
                        model the file held was better (as in a second Keras fit). A new
                        --early-stopping P on an interrupted run counts the stored best
                        epoch and epochs waited against P (P 0: off, the last epoch kept)
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
	// Interrupted marks a checkpoint of an interrupted run: the steps after
	// training (the best epoch's weights, blends, baselines) have not run,
	// and --resume runs them even with no epoch left to train. Files from
	// before this field read as false.
	Interrupted bool `json:"interrupted,omitempty"`
}

// testInterruptAfter, when > 0, interrupts training after that many
// batches exactly as Ctrl-C does (for tests).
var testInterruptAfter int

// testInterruptAfterLoop, when set, sends the run a Ctrl-C (as the signal
// handler does) just after the training loop has ended (for tests).
var testInterruptAfterLoop bool

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

	m        *model.Model
	p        *pipeline.Pipeline
	prevHist *model.History
	// interrupted: Ctrl-C cut the training loop short (decided where the
	// loop ends: interrupt.go); the file saved is then a checkpoint.
	interrupted atomic.Bool
	intr        interruption
	// keepStart: the model starts from a fit (the forecaster's ridge
	// path); its starting weights are kept when no epoch beats them.
	keepStart bool
	// fcStart is the forecaster's linear start (nil for other models).
	fcStart *forecast.Start
	blended bool // the saved forecaster averages the trained network with fcStart
	season  int  // a series' season from its dates (0: none known)
	// textBlend is nbcnn's linear part, blended with the CNN after
	// training (textblend.go).
	textBlend *textmodel.BlendResult
	stackM    *model.Model // the model nbcnn's CNN trains in (fitText)
	// esStored: resuming an interrupted run that had early stopping on,
	// whose progress is esState (nil when its file is older than that).
	esStored bool
	esState  *model.EarlyStoppingState
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

// run trains a new model or, with --model, one read from a file: it reads
// the data, builds and compiles the model, then fits and saves it.
func (t *trainer) run() error {
	if err := t.check(); err != nil {
		return err
	}
	if t.resume != "" {
		return t.runResume()
	}
	c := &t.c
	spec, builtin, initialEpoch, err := t.startingModel()
	if err != nil {
		return err
	}
	fresh := t.p == nil || t.p.Kind == ""
	t.dataForModel()
	t.layoutForSavedModel()
	p, ds, err := readTraining(&c.Data, t.p, c.ValidationSplit)
	if err != nil {
		return err
	}
	t.p = p
	printDataReport(t.w, ds.Report)
	em, err := t.wordVectors(fresh, builtin)
	if err != nil {
		return err
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
	if builtin {
		err = t.buildBuiltin(spec, ds, in)
	} else {
		err = t.buildGiven(spec, in)
	}
	if err != nil {
		return err
	}
	if em != nil {
		if err := setEmbeddings(t.m, em); err != nil {
			return err
		}
	}
	if err := t.compile(); err != nil {
		return err
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
	// Early stopping's progress is stored when it was on in the run cut short.
	t.esStored = stored.Interrupted && earlyStoppingPatience(stored.EarlyStopping, stored.Epochs) > 0
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
	t.esState = extra.EarlyStopping
	if t.out == "" {
		t.out = t.resume
	}
	st, _ := m.TrainingState()
	finishOnly, err := t.resumeEpochs(st, stored.Interrupted)
	if err != nil {
		return err
	}
	if m.Optimizer() == nil {
		return userErr("--resume %s: the file holds no optimizer state to resume from", t.resume)
	}
	if err := t.checkStoredData(); err != nil {
		return err
	}
	t.c.Data.rank = modelRank(m)
	p, ds, err := readTraining(&t.c.Data, p, t.c.ValidationSplit)
	if err != nil {
		return err
	}
	t.p = p
	printDataReport(t.w, ds.Report)
	where := fmt.Sprintf("after epoch %d", st.Epoch)
	if st.Batch > 0 {
		where = fmt.Sprintf("in epoch %d after batch %d", st.Epoch+1, st.Batch)
	}
	if strings.EqualFold(t.c.Model, "nbcnn") {
		// The bag of words' fit is not stored: it is fitted again, the
		// same (deterministic), so that the CNN goes on training on its
		// out-of-fold logits and joins the blend as in one run.
		if m.Layer(textmodel.MeanBagName) == nil {
			return userErr("--resume %s: this nbcnn checkpoint comes from an older seqnet (without the %s path) and cannot resume the current training: train a new model", t.resume, textmodel.MeanBagName)
		}
		if err := t.startText(ds, t.c.ValidationSplit); err != nil {
			return err
		}
	}
	if finishOnly {
		fmt.Fprintf(t.w, "finishing %s at epoch %d: no epoch left to train, running the steps after training\n", t.resume, st.Epoch)
	} else {
		fmt.Fprintf(t.w, "resuming %s %s, to epoch %d\n", t.resume, where, t.c.Epochs)
	}
	return t.fit(ds, model.FitOptions{Resume: true})
}

// resumeEpochs checks --epochs, the total to reach, against where the
// checkpoint stands, and reports whether no epoch is left to train: an
// interrupted run (its steps after training not run) then only runs
// those. A finished model, or a file from before Interrupted was stored,
// needs a larger --epochs to train on.
func (t *trainer) resumeEpochs(st model.TrainState, interrupted bool) (finishOnly bool, err error) {
	done, want := st.Epoch, t.c.Epochs
	switch {
	case st.Batch > 0 && want <= done:
		return false, userErr("--resume %s: the run was interrupted inside epoch %d; give --epochs %d or more (the total to reach), not %d", t.resume, done+1, done+1, want)
	case !interrupted && want <= done:
		return false, userErr("--resume %s: the model has already trained %d of %d epochs: give a larger --epochs (the total to reach) to train on", t.resume, done, want)
	case want < done:
		return false, userErr("--resume %s: --epochs %d is fewer than the %d epochs already trained; give --epochs %d to finish the run with them, or more to train on", t.resume, want, done, done)
	}
	return want == done, nil
}

// printDataReport prints what package pipeline says of the data it read,
// the settings it names written as seqnet's flags.
func printDataReport(w io.Writer, report string) {
	fmt.Fprintf(w, "data: %s\n", indentRest(flagNames(report)))
}

// indentRest indents every line after the first.
func indentRest(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// writeFileAtomic writes data to path atomically (internal/atomicfile).
func writeFileAtomic(path string, data []byte) error { return atomicfile.WriteFile(path, data) }
