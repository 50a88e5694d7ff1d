// Package demo holds the real-data parts of `seqnet demo`: a text CNN on
// the SpamAssassin subject lines against multinomial Naive Bayes, and a
// next-day temperature forecaster on Seattle's weather against the
// persistence baseline. Both run on data embedded in the binary.
package demo

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/data/embedded"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/plot"
	"github.com/seqnet/seqnet/tensor"
)

// Result is what a demo part reports.
type Result struct {
	Model, Baseline float64 // the model's and the baseline's test figure
	Metric          string  // "accuracy" or "MAE (°C)"
	Picture         string  // the learning-curve file written, if any
	Elapsed         time.Duration
	History         *model.History
}

func layer(class string, cfg layers.Config) layers.Layer {
	l, err := layers.FromConfig(class, cfg)
	if err != nil {
		panic(fmt.Sprintf("demo: %s: %v", class, err))
	}
	return l
}

// Spam trains a text CNN on the SpamAssassin subjects (seeded 80/20
// split) and compares its test accuracy with multinomial Naive Bayes.
func Spam(w io.Writer, seed uint64, outDir string) (Result, error) {
	start := time.Now()
	texts, labels := embedded.SpamSubjects()
	rng := rand.New(rand.NewPCG(seed, 42))
	perm := rng.Perm(len(texts))
	nTest := len(texts) / 5
	var trainText, testText []string
	var trainY, testY []int
	for i, j := range perm {
		if i < nTest {
			testText, testY = append(testText, texts[j]), append(testY, labels[j])
		} else {
			trainText, trainY = append(trainText, texts[j]), append(trainY, labels[j])
		}
	}
	const maxLen = 20
	vec := data.NewTextVectorizer(10000, maxLen)
	if err := vec.Adapt(trainText); err != nil {
		return Result{}, err
	}
	xTrain, err := vec.EncodeBatch(trainText)
	if err != nil {
		return Result{}, err
	}
	xTest, err := vec.EncodeBatch(testText)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(w, "data: %d subject lines (%d train, %d test, seeded 80/20 split), %s\n",
		len(texts), len(trainText), len(testText), vec.Describe())

	// Naive Bayes on the same tokens.
	seqs := func(x *tensor.Tensor) [][]int {
		out := make([][]int, x.Shape[0])
		for i := range out {
			for _, v := range x.Data[i*maxLen : (i+1)*maxLen] {
				out[i] = append(out[i], int(v))
			}
		}
		return out
	}
	nb := FitNaiveBayes(seqs(xTrain), trainY, vec.VocabularySize())
	var nbHits int
	for i, s := range seqs(xTest) {
		if nb.Predict(s) == testY[i] {
			nbHits++
		}
	}
	nbAcc := float64(nbHits) / float64(len(testY))

	m, err := spamModel(seed, maxLen, vec.VocabularySize())
	if err != nil {
		return Result{}, err
	}
	fmt.Fprint(w, m.Summary())
	toY := func(ys []int) *tensor.Tensor {
		t := tensor.New(len(ys), 1)
		for i, v := range ys {
			t.Data[i] = float32(v)
		}
		return t
	}
	hist, err := m.Fit(xTrain, toY(trainY), model.FitOptions{Epochs: 8, BatchSize: 32, ValidationSplit: 0.1, Verbose: w})
	if err != nil {
		return Result{}, err
	}
	logs, err := m.Evaluate(xTest, toY(testY), 256)
	if err != nil {
		return Result{}, err
	}
	res := Result{Model: logs.Values["accuracy"], Baseline: nbAcc, Metric: "accuracy", History: hist}
	if outDir != "" {
		res.Picture = filepath.Join(outDir, "spam-learning-curves.png")
		if err := plot.LearningCurves(res.Picture, "Text CNN on SpamAssassin subjects", hist.Metrics); err != nil {
			return res, err
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Weather forecasts the next day's maximum temperature in Seattle from the
// previous 14 days (the four measurements and the season as sine and cosine
// of the day of the year), with a Huber loss on tomorrow's change, trained on the first 80% of
// days (the last 10% of those for validation) and tested on the last 20%,
// against the persistence baseline (tomorrow = today).
func Weather(w io.Writer, seed uint64, outDir string) (Result, error) {
	start := time.Now()
	series, err := weatherSeries()
	if err != nil {
		return Result{}, err
	}
	nTrain := series.Rows * 8 / 10
	train, test := series.Slice(0, nTrain), series.Slice(nTrain-14, series.Rows)
	scaler, err := data.FitScaler(data.ScaleStandard, train)
	if err != nil {
		return Result{}, err
	}
	trainS, err := scaler.Transform(train)
	if err != nil {
		return Result{}, err
	}
	testS, err := scaler.Transform(test)
	if err != nil {
		return Result{}, err
	}
	opts := data.WindowOptions{Window: 14, Horizon: 1, Targets: []string{"temp_max"}}
	wTrain, err := data.MakeWindows(trainS, opts)
	if err != nil {
		return Result{}, err
	}
	wTest, err := data.MakeWindows(testS, opts)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(w, "data: %d days × %v; windows of 14 days → next day's temp_max; %d train windows, %d test windows (the last 20%% of days)\n",
		series.Rows, series.Names, wTrain.Len(), wTest.Len())
	fmt.Fprintln(w, strings.TrimRight(wTrain.Describe(), "\n"))

	m, err := weatherModel(seed, len(series.Names))
	if err != nil {
		return Result{}, err
	}
	fmt.Fprint(w, m.Summary())
	// Learn tomorrow's change from today: a model that outputs 0 is the
	// persistence forecast, so training can only start from there.
	col, _ := series.ColumnIndex("temp_max")
	nc := len(series.Names)
	residual := func(wd *data.Windows) *tensor.Tensor {
		r := tensor.New(wd.Len(), 1)
		for i := range r.Data {
			r.Data[i] = wd.Y.Data[i] - wd.X.Data[(i*14+13)*nc+col]
		}
		return r
	}
	hist, err := m.Fit(wTrain.X, residual(wTrain), model.FitOptions{Epochs: 40, BatchSize: 32, ValidationSplit: 0.1, Verbose: w,
		Callbacks: []model.Callback{&model.EarlyStopping{Patience: 6, RestoreBestWeights: true, Verbose: w}}})
	if err != nil {
		return Result{}, err
	}
	pred, err := m.Predict(wTest.X, 256)
	if err != nil {
		return Result{}, err
	}
	// Back to °C, and persistence: the window's last temp_max.
	unscale := func(v float32) float64 { return float64(v)*scaler.Scale[col] + scaler.Offset[col] }
	var mae, persist float64
	for i := 0; i < wTest.Len(); i++ {
		truth := unscale(wTest.Y.Data[i])
		last := wTest.X.Data[(i*14+13)*nc+col]
		mae += math.Abs(unscale(last+pred.Data[i]) - truth)
		persist += math.Abs(unscale(last) - truth)
	}
	n := float64(wTest.Len())
	res := Result{Model: mae / n, Baseline: persist / n, Metric: "MAE (°C)", History: hist}
	if outDir != "" {
		res.Picture = filepath.Join(outDir, "weather-learning-curves.png")
		if err := plot.LearningCurves(res.Picture, "Causal dilated Conv1D: next-day temp_max, Seattle", hist.Metrics); err != nil {
			return res, err
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// weatherSeries is the Seattle weather with the season as two more
// channels (sine and cosine of the day of the year), so the network can
// tell a warm day in winter from one in summer.
func weatherSeries() (*data.Series, error) {
	table := embedded.SeattleWeather()
	dates := embedded.SeattleWeatherDates()
	nf := len(table.FeatureNames)
	names := append(append([]string(nil), table.FeatureNames...), "season_sin", "season_cos")
	values := make([]float32, 0, len(dates)*len(names))
	for i, d := range dates {
		day, err := time.Parse("2006/01/02", strings.ReplaceAll(d, "-", "/"))
		if err != nil {
			return nil, fmt.Errorf("weather date %q: %w", d, err)
		}
		angle := 2 * math.Pi * float64(day.YearDay()) / 365.25
		values = append(values, table.X[i*nf:(i+1)*nf]...)
		values = append(values, float32(math.Sin(angle)), float32(math.Cos(angle)))
	}
	return data.NewSeries(names, values)
}

// weatherModel is the compiled forecaster of Weather for windows of 14
// days of channels values.
func weatherModel(seed uint64, channels int) (*model.Model, error) {
	// A causal dilated stack: each output step sees only the past; three
	// layers with dilation 1, 2, 4 see 15 days, the whole window.
	stack := []layers.Layer{layers.Input(14, channels)}
	for _, d := range []int{1, 2, 4} {
		stack = append(stack, layers.NewConv1D(16, 3, layers.Padding("causal"), layers.DilationRate(d), layers.ConvActivation("relu")))
	}
	stack = append(stack, layer("GlobalAveragePooling1D", nil), layers.NewDense(1, ""))
	m, err := model.NewSequential(stack...)
	if err != nil {
		return nil, err
	}
	m.Seed = seed
	if err := m.Build(); err != nil {
		return nil, err
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 1e-3, LossName: "huber"}); err != nil {
		return nil, err
	}
	return m, nil
}

// spamModel is the compiled text CNN of Spam for maxLen tokens of a
// vocabulary of vocab.
func spamModel(seed uint64, maxLen, vocab int) (*model.Model, error) {
	m, err := model.NewSequential(
		layers.Input(maxLen),
		layer("Embedding", layers.Config{"input_dim": vocab, "output_dim": 32}),
		layers.NewConv1D(64, 3, layers.ConvActivation("relu"), layers.Padding("same")),
		layer("GlobalMaxPooling1D", nil),
		layer("Dropout", layers.Config{"rate": 0.3}),
		layers.NewDense(1, "sigmoid"),
	)
	if err != nil {
		return nil, err
	}
	m.Seed = seed
	if err := m.Build(); err != nil {
		return nil, err
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 2e-3,
		LossName: "binary_crossentropy", Metrics: []string{"accuracy"}}); err != nil {
		return nil, err
	}
	return m, nil
}

// EpochTimes trains a text CNN and an LSTM of similar size for one epoch
// each on the same token sequences and returns the seconds per epoch and
// the parameter counts: the tutorial's opening observation that a CNN
// trains faster than an RNN, measured.
func EpochTimes(seed uint64) (cnnSec, lstmSec float64, cnnParams, lstmParams int, err error) {
	texts, labels := embedded.SpamSubjects()
	vec := data.NewTextVectorizer(10000, 20)
	if err := vec.Adapt(texts); err != nil {
		return 0, 0, 0, 0, err
	}
	x, err := vec.EncodeBatch(texts)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	y := tensor.New(len(labels), 1)
	for i, v := range labels {
		y.Data[i] = float32(v)
	}
	build := func(core layers.Layer, pool bool) (*model.Model, error) {
		stack := []layers.Layer{layers.Input(20),
			layer("Embedding", layers.Config{"input_dim": vec.VocabularySize(), "output_dim": 32}), core}
		if pool {
			stack = append(stack, layer("GlobalMaxPooling1D", nil))
		}
		stack = append(stack, layers.NewDense(1, "sigmoid"))
		m, err := model.NewSequential(stack...)
		if err != nil {
			return nil, err
		}
		m.Seed = seed
		if err := m.Build(); err != nil {
			return nil, err
		}
		return m, m.Compile(model.CompileOptions{OptimizerName: "adam", LossName: "binary_crossentropy"})
	}
	timeEpoch := func(m *model.Model) (float64, int, error) {
		t0 := time.Now()
		if _, err := m.Fit(x, y, model.FitOptions{Epochs: 1, BatchSize: 32}); err != nil {
			return 0, 0, err
		}
		tr, _ := m.NumParams()
		emb := vec.VocabularySize() * 32
		return time.Since(t0).Seconds(), tr - emb, nil
	}
	// 64 filters of width 3 over 32 channels ≈ an LSTM of 32 units
	// (6,208 and 8,320 weights besides the embedding).
	cnn, err := build(layers.NewConv1D(64, 3, layers.ConvActivation("relu")), true)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	lstm, err := build(layer("LSTM", layers.Config{"units": 32}), false)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	if cnnSec, cnnParams, err = timeEpoch(cnn); err != nil {
		return
	}
	lstmSec, lstmParams, err = timeEpoch(lstm)
	return
}
