package main

import (
	"fmt"
	"strings"

	"github.com/seqnet/seqnet/forecast"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/textmodel"
)

// builtinArchs are the architectures `seqnet train --model NAME` builds.
var builtinArchs = []string{"cnn", "textcnn", "kimcnn", "nbcnn", "bow", "forecast", "lstm"}

// archFlags are the sizes of a built-in architecture.
type archFlags struct {
	Filters      int     `json:"filters"`
	KernelSize   int     `json:"kernel_size"`
	EmbeddingDim int     `json:"embedding_dim"`
	Units        int     `json:"units"`
	Dropout      float64 `json:"dropout"`
	FreezeEmbed  bool    `json:"freeze_embeddings"`
}

func isBuiltin(spec string) bool {
	for _, a := range builtinArchs {
		if strings.EqualFold(spec, a) {
			return true
		}
	}
	return false
}

// defaultArch is the architecture for a kind of data when --model is not
// given.
func defaultArch(kind string) string {
	switch kind {
	case pipeline.KindText:
		// Chosen by measurement (bench/quality, README "Quality"): nbcnn
		// (the cross-fitted blend) reached the better of Naive Bayes and
		// logistic regression on 3 of the 4 development text sets (not
		// the spam subjects), textcnn on 2.
		return "nbcnn"
	case pipeline.KindSeries:
		return "forecast"
	}
	return "cnn"
}

// outputLayer is the last layer the task needs.
func outputLayer(p *pipeline.Pipeline) layers.Layer {
	switch p.Task {
	case pipeline.TaskBinary:
		return layers.NewDense(1, "sigmoid")
	case pipeline.TaskMulticlass:
		return layers.NewDense(len(p.Classes()), "softmax")
	}
	return layers.NewDense(max(len(p.Outputs), 1), "linear")
}

// buildArch builds a built-in architecture for samples of shape in.
func buildArch(spec string, a archFlags, p *pipeline.Pipeline, in []int, seed uint64) (*model.Model, error) {
	spec = strings.ToLower(spec)
	if err := checkArch(spec, a, p); err != nil {
		return nil, err
	}
	text := p.Kind == pipeline.KindText
	embedding := func(maskZero bool) layers.Layer { return archEmbedding(a, p, maskZero) }
	conv := func(k int) layers.Layer { return archConv(a, k) }
	var stack []layers.Layer
	drop := func() {
		if a.Dropout > 0 {
			stack = append(stack, layers.NewDropout(a.Dropout))
		}
	}
	switch spec {
	case "kimcnn":
		return kimCNN(a, p, in, seed)
	case "textcnn":
		stack = append(stack, layers.Input(in...), embedding(false), conv(a.KernelSize), layers.NewGlobalMaxPooling1D())
		drop()
	case "nbcnn":
		if !text {
			return nil, userErr("--model nbcnn needs text (token) input: read the data with --text")
		}
		m, err := textmodel.New(textOptions(a, p, in, seed))
		if err != nil {
			return nil, asUser(err)
		}
		return m, nil
	case "bow":
		// fastText-style: the mean of the words' embeddings (padding
		// masked), a linear classifier on top.
		if !text {
			return nil, userErr("--model bow needs text (token) input: read the data with --text")
		}
		stack = append(stack, layers.Input(in...), embedding(true), layers.NewGlobalAveragePooling1D())
		drop()
	case "lstm":
		stack = append(stack, layers.Input(in...))
		if text {
			stack = append(stack, embedding(true))
		}
		stack = append(stack, layers.NewLSTM(a.Units))
		drop()
	case "cnn":
		if text {
			return buildArch("textcnn", a, p, in, seed)
		}
		stack = append(stack, layers.Input(in...), conv(a.KernelSize), conv(a.KernelSize))
		if in[0] >= 2 {
			stack = append(stack, layers.NewMaxPooling1D(2))
		}
		stack = append(stack, layers.NewFlatten())
		drop()
		stack = append(stack, layers.NewDense(a.Units, "relu"))
	case "forecast":
		if text {
			return nil, userErr("--model forecast needs a numeric series (read with --window); for text use --model textcnn, kimcnn or lstm")
		}
		m, err := forecast.New(forecastOptions(a, p, in, 0, seed))
		if err != nil {
			return nil, asUser(err)
		}
		return m, nil
	default:
		return nil, unknownSpec(spec)
	}
	stack = append(stack, outputLayer(p))
	m, err := model.NewSequential(stack...)
	if err != nil {
		return nil, asUser(err)
	}
	m.Seed = seed
	if err := m.Build(); err != nil {
		return nil, asUser(err)
	}
	return m, nil
}

// checkArch checks the architecture flags, and that a text-only
// architecture has text.
func checkArch(spec string, a archFlags, p *pipeline.Pipeline) error {
	if a.Filters <= 0 || a.KernelSize <= 0 || a.EmbeddingDim <= 0 || a.Units <= 0 {
		return userErr("--filters, --kernel-size, --embedding-dim and --units must be positive; received %d, %d, %d, %d",
			a.Filters, a.KernelSize, a.EmbeddingDim, a.Units)
	}
	if a.Dropout < 0 || a.Dropout >= 1 {
		return userErr("--dropout must be in [0, 1), received %g", a.Dropout)
	}
	if (spec == "textcnn" || spec == "kimcnn" || spec == "bow") && p.Kind != pipeline.KindText {
		return userErr("--model %s needs text (token) input: read the data with --text (or use --model cnn, forecast or lstm for numbers)", spec)
	}
	return nil
}

// archEmbedding is the architectures' Embedding of the vocabulary.
func archEmbedding(a archFlags, p *pipeline.Pipeline, maskZero bool) layers.Layer {
	e := layers.NewEmbedding(p.Vectorizer.VocabularySize(), a.EmbeddingDim)
	e.MaskZero = maskZero
	e.Frozen = a.FreezeEmbed
	return e
}

// archConv is the architectures' Conv1D: --filters, relu, padding "same".
func archConv(a archFlags, k int) layers.Layer {
	return layers.NewConv1D(a.Filters, k, layers.ConvActivation("relu"), layers.Padding("same"))
}

// kimCNN is Kim (2014): parallel convolutions of widths 3, 4, 5 over the
// embedded tokens, max over time, concatenated.
func kimCNN(a archFlags, p *pipeline.Pipeline, in []int, seed uint64) (*model.Model, error) {
	x := model.Input(in...)
	h := model.Call(archEmbedding(a, p, false), x)
	var pooled []*model.Tensor
	for _, k := range []int{3, 4, 5} {
		c := model.Call(archConv(a, k), h)
		pooled = append(pooled, model.Call(layers.NewGlobalMaxPooling1D(), c))
	}
	out := model.Call(layers.NewConcatenate(-1), pooled...)
	if a.Dropout > 0 {
		out = model.Call(layers.NewDropout(a.Dropout), out)
	}
	out = model.Call(outputLayer(p), out)
	m, err := model.NewModel([]*model.Tensor{x}, []*model.Tensor{out}, seed)
	if err != nil {
		return nil, err
	}
	m.Seed = seed
	return m, nil
}

// forecastOptions are the forecaster's settings for samples of shape in:
// each target's input channel from the window settings (-1 when a target
// is not an input, or for a table).
func forecastOptions(a archFlags, p *pipeline.Pipeline, in []int, season int, seed uint64) forecast.Options {
	o := forecast.Options{Steps: in[0], Channels: 1, Horizon: 1, Season: season, Filters: a.Filters, KernelSize: a.KernelSize, Dropout: a.Dropout, Seed: seed}
	if len(in) > 1 {
		o.Channels = in[1]
	}
	if p.Windowing == nil {
		o.Targets = make([]int, max(len(p.Outputs), 1))
		for i := range o.Targets {
			o.Targets[i] = -1
		}
		return o
	}
	o.Horizon = p.Windowing.Horizon
	for _, t := range p.Windowing.Targets {
		j := -1
		for k, name := range p.Windowing.Inputs {
			if name == t {
				j = k
			}
		}
		o.Targets = append(o.Targets, j)
	}
	return o
}

// textOptions are the nbcnn classifier's settings.
func textOptions(a archFlags, p *pipeline.Pipeline, in []int, seed uint64) textmodel.Options {
	classes := len(p.Classes())
	if p.Task == pipeline.TaskRegression || classes < 2 {
		classes = 2
	}
	return textmodel.Options{SeqLen: in[0], Vocab: p.Vectorizer.VocabularySize(), Classes: classes,
		EmbeddingDim: a.EmbeddingDim, Filters: a.Filters, KernelSize: a.KernelSize, Dropout: a.Dropout, FreezeEmbedding: a.FreezeEmbed, Seed: seed,
		Words: p.Vectorizer.Vocabulary}
}

func unknownSpec(spec string) error {
	return userErr("--model %q: not a built-in architecture (%s) nor an existing file (Keras model.to_json() JSON or a seqnet model): check the name or the path",
		spec, strings.Join(builtinArchs, ", "))
}

// describeArch says in one line what a built-in architecture is.
func describeArch(spec string) string {
	switch strings.ToLower(spec) {
	case "cnn":
		return "two Conv1D (relu, same padding), MaxPooling1D, Flatten, Dense"
	case "textcnn":
		return "Embedding, Conv1D (relu), GlobalMaxPooling1D, Dropout, Dense"
	case "kimcnn":
		return "Kim's CNN: Embedding, Conv1D of widths 3, 4 and 5 in parallel, GlobalMaxPooling1D each, Concatenate, Dropout, Dense"
	case "nbcnn":
		return "text CNN (Embedding, Conv1D, GlobalMaxPooling1D, Dropout, Dense) plus two bag-of-words paths (a value per word and class, summed and averaged); the CNN trains on top of the bag of words' out-of-fold logits (stacking), then a blend of Naive Bayes, logistic regression and the CNN with weights fitted on the validation texts"
	case "bow":
		return "bag of words: Embedding (padding masked), GlobalAveragePooling1D, Dropout, Dense"
	case "forecast":
		return "each window relative to its last value; a linear autoregressive path (started at a combination of ridge fits) plus a causal dilated Conv1D stack (dilation 1, 2, 4, …), last step, Dense; the last value added back"
	case "lstm":
		return "LSTM (after an Embedding with mask_zero for text), Dense"
	}
	return fmt.Sprintf("%q", spec)
}
