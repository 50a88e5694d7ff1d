package explain

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Report lists, for every Conv1D filter of a model, the inputs of a
// dataset that activate it most.
type Report struct {
	// Kind says whether the inputs are token n-grams or series windows.
	Kind Kind
	// TopK is the number of inputs kept per filter.
	TopK int
	// Layers has one entry per Conv1D layer that could be mapped back to
	// the input, in graph order.
	Layers []LayerFilters
	// Skipped names the Conv1D layers that could not be mapped back to
	// input steps, with the reason (for example a Flatten before them).
	Skipped []string
}

// LayerFilters is the part of a Report for one Conv1D layer.
type LayerFilters struct {
	// Layer is the layer's name.
	Layer string
	// KernelSize, Strides and Dilation are the layer's own arguments.
	KernelSize, Strides, Dilation int
	// Field is the number of input steps one output step of the layer
	// sees (its receptive field: the n of its n-grams). For a Conv1D on
	// the input (or on the Embedding) it is (kernel_size−1)·dilation+1;
	// convolutions and poolings before the layer widen it.
	Field int
	// Jump is the number of input steps between neighbouring output steps.
	Jump int
	// Filters has one entry per filter, in the layer's order.
	Filters []FilterTop
}

// FilterTop is one filter's strongest inputs, strongest first.
type FilterTop struct {
	Filter int
	Top    []Match
}

// Match is one input window and the filter's activation on it.
type Match struct {
	// Text is the n-gram (tokens joined by spaces) for token models, and
	// "row R, steps A–B" for series models.
	Text string
	// Tokens are the n-gram's token indices (token models).
	Tokens []int
	// Row is the row of the data; Start and End the input steps
	// [Start, End) the window covers (clipped to the input: a window that
	// reaches into a convolution's zero padding is shorter than Field).
	Row, Start, End int
	// Step is the layer's output step.
	Step int
	// Activation is the filter's output (after its activation) there.
	Activation float64
	// Window holds the input values, (End−Start) × channels (series
	// models).
	Window [][]float64
}

// span maps an output step t of a layer to the input steps
// [t·Jump − Offset, t·Jump − Offset + Field).
type span struct{ jump, offset, field int }

// through composes a sliding window (a convolution or a pooling) applied
// on top of s.
func (s span) through(g layers.ConvGeometry) span {
	return span{jump: g.Strides * s.jump, offset: g.PadLeft*s.jump + s.offset, field: (g.EffectiveKernel-1)*s.jump + s.field}
}

type windowed interface {
	Geometry() layers.ConvGeometry
}

// FilterReport runs the model on the dataset x (rows first) and returns,
// for every filter of every Conv1D layer, the topK inputs that activate it
// most (default 5): for token models the distinct n-grams, printed with
// vocab (index i is vocab[i]; nil prints the indices), for series models
// the input windows, at most one per row.
//
// A layer's output steps are mapped back to input steps through the
// convolutions and poolings before it (their padding, strides and
// dilation); the data flow is found by re-running each layer on the
// candidate inputs, so functional graphs with parallel convolutions on
// the Embedding (the classic text CNN) work too.
func FilterReport(m *model.Model, x *tensor.Tensor, vocab []string, topK int) (*Report, error) {
	if topK <= 0 {
		topK = 5
	}
	o := Options{}.withDefaults(Series)
	s, err := prepare(m, x, Options{BatchSize: o.BatchSize})
	if err != nil {
		return nil, err
	}
	var convs []*layers.Conv1D
	var names []string
	for _, l := range m.Layers() {
		names = append(names, l.Common().Name)
		if c, ok := l.(*layers.Conv1D); ok {
			convs = append(convs, c)
		}
	}
	if len(convs) == 0 {
		return nil, fmt.Errorf("the model has no Conv1D layer, so it has no filters to report (its layers: %s)", strings.Join(names, ", "))
	}
	if s.kind == Tokens && vocab != nil {
		for i, v := range x.Data {
			if int(v) >= len(vocab) {
				return nil, fmt.Errorf("the vocabulary has %d entries but row %d holds token index %d: give the vocabulary the model was trained with (index i is vocab[i], padding at 0)",
					len(vocab), i/s.steps, int(v))
			}
		}
	}
	spans, skipped, err := s.convSpans(convs)
	if err != nil {
		return nil, err
	}
	r := &Report{Kind: s.kind, TopK: topK, Skipped: skipped}
	var mapped []*layers.Conv1D
	for _, c := range convs {
		sp, ok := spans[c]
		if !ok {
			continue
		}
		mapped = append(mapped, c)
		lf := LayerFilters{Layer: c.Common().Name, KernelSize: c.KernelSize, Strides: c.Strides, Dilation: c.DilationRate,
			Field: sp.field, Jump: sp.jump}
		for f := range c.Filters {
			lf.Filters = append(lf.Filters, FilterTop{Filter: f})
		}
		r.Layers = append(r.Layers, lf)
	}
	if len(mapped) == 0 {
		return nil, fmt.Errorf("no Conv1D layer could be mapped back to input steps: %s", strings.Join(skipped, "; "))
	}
	tops := make([][]*topList, len(mapped))
	var tapNames []string
	for i, c := range mapped {
		tapNames = append(tapNames, c.Common().Name)
		for range c.Filters {
			tops[i] = append(tops[i], &topList{k: topK})
		}
	}
	for _, rows := range chunks(s.n, s.o.BatchSize) {
		p, err := m.Gradients([]*tensor.Tensor{x.Rows(rows[0], rows[len(rows)-1]+1)}, 0, -1, tapNames...)
		if err != nil {
			return nil, err
		}
		for i, c := range mapped {
			s.collect(p.Taps[c.Common().Name].Value, rows[0], spans[c], tops[i], vocab)
		}
	}
	for i := range mapped {
		for f, tl := range tops[i] {
			r.Layers[i].Filters[f].Top = tl.items
		}
	}
	return r, nil
}

// collect offers every (row, step) activation of every filter of one
// layer's output (B, T, F) to the filters' top lists.
func (s *subject) collect(out *tensor.Tensor, row0 int, sp span, tops []*topList, vocab []string) {
	B, T, F := out.Shape[0], out.Shape[1], out.Shape[2]
	maskZero := s.tok != nil && s.tok.emb.MaskZero
	for b := range B {
		row := row0 + b
		xr := s.x.Data[row*s.steps*s.channels : (row+1)*s.steps*s.channels]
		for t := range T {
			lo := max(t*sp.jump-sp.offset, 0)
			hi := min(t*sp.jump-sp.offset+sp.field, s.steps)
			if lo >= hi {
				continue
			}
			for f := range F {
				act := float64(out.Data[(b*T+t)*F+f])
				tl := tops[f]
				if act <= tl.floor() {
					continue
				}
				m := Match{Row: row, Start: lo, End: hi, Step: t, Activation: act}
				var key string
				if s.kind == Tokens {
					words := make([]string, 0, hi-lo)
					pad := true
					for q := lo; q < hi; q++ {
						k := int(xr[q])
						pad = pad && k == 0
						m.Tokens = append(m.Tokens, k)
						words = append(words, word(vocab, k))
					}
					if maskZero && pad {
						continue
					}
					m.Text = strings.Join(words, " ")
					key = m.Text
				} else {
					m.Text = fmt.Sprintf("row %d, steps %d–%d", row, lo, hi-1)
					m.Window = matrix(xr[lo*s.channels:hi*s.channels], hi-lo, s.channels)
					key = strconv.Itoa(row)
				}
				tl.offer(key, m)
			}
		}
	}
}

func word(vocab []string, k int) string {
	if vocab == nil || k < 0 || k >= len(vocab) {
		return strconv.Itoa(k)
	}
	return vocab[k]
}

// topList keeps the k strongest matches with distinct keys, strongest
// first. A key that comes again keeps its strongest match, so the result
// is exactly the k keys with the highest best activation.
type topList struct {
	k     int
	items []Match
	keys  []string
}

// floor is the activation a new match must beat.
func (l *topList) floor() float64 {
	if len(l.items) < l.k {
		return math.Inf(-1)
	}
	return l.items[len(l.items)-1].Activation
}

func (l *topList) offer(key string, m Match) {
	if i := slices.Index(l.keys, key); i >= 0 {
		if m.Activation > l.items[i].Activation {
			l.items[i] = m
			l.sort()
		}
		return
	}
	if len(l.items) < l.k {
		l.items, l.keys = append(l.items, m), append(l.keys, key)
	} else {
		l.items[len(l.items)-1], l.keys[len(l.keys)-1] = m, key
	}
	l.sort()
}

// sort restores strongest-first order by moving the one item that may be
// out of place (insertion sort, stable).
func (l *topList) sort() {
	for i := 1; i < len(l.items); i++ {
		for j := i; j > 0 && l.items[j].Activation > l.items[j-1].Activation; j-- {
			l.items[j], l.items[j-1] = l.items[j-1], l.items[j]
			l.keys[j], l.keys[j-1] = l.keys[j-1], l.keys[j]
		}
	}
}

// convSpans finds how each Conv1D's output steps map to input steps. The
// data flow is not visible from outside the model, so it is found by
// re-running each layer (with a context of its own) on the outputs of the
// layers before it and keeping the one that reproduces its output; the
// input (series) or the Embedding's output (tokens) is the identity map.
func (s *subject) convSpans(convs []*layers.Conv1D) (map[*layers.Conv1D]span, []string, error) {
	ls := s.m.Layers()
	p, sample, err := s.sampleTaps(ls)
	if err != nil {
		return nil, nil, err
	}
	type known struct {
		value *tensor.Tensor
		sp    span
	}
	var sources []known // nearest last
	start := 0
	if s.kind == Tokens {
		sources = append(sources, known{p.Taps[s.tok.name].Value, span{1, 0, 1}})
		start = 1
	} else {
		in := sample
		if len(in.Shape) == 2 {
			in, _ = sample.Reshape(sample.Shape[0], sample.Shape[1], 1)
		}
		sources = append(sources, known{in, span{1, 0, 1}})
	}
	spans := map[*layers.Conv1D]span{}
	for _, l := range ls[start:] {
		want := p.Taps[l.Common().Name].Value
		if len(want.Shape) != 3 {
			continue // the steps axis is gone (Flatten, global pooling, …)
		}
		for q := len(sources) - 1; q >= 0; q-- {
			src := sources[q]
			sp, ok := feeds(l, src.value, want, src.sp)
			if ok {
				sources = append(sources, known{want, sp})
				if c, isConv := l.(*layers.Conv1D); isConv {
					spans[c] = sp
				}
				break
			}
		}
	}
	var skipped []string
	for _, c := range convs {
		if _, ok := spans[c]; !ok {
			skipped = append(skipped, fmt.Sprintf("%s: its input could not be traced back to input steps through convolutions, poolings and step-wise layers", c.Common().Name))
		}
	}
	return spans, skipped, nil
}

// sampleTaps runs the first rows of the data (at most 4) through the
// model and back, tapping every layer of ls; it returns the taps and the
// rows.
func (s *subject) sampleTaps(ls []layers.Layer) (*model.Probe, *tensor.Tensor, error) {
	var names []string
	for _, l := range ls {
		names = append(names, l.Common().Name)
	}
	sample := s.x.Rows(0, min(s.n, 4))
	p, err := s.m.Gradients([]*tensor.Tensor{sample}, 0, -1, names...)
	return p, sample, err
}

// feeds reports whether layer l, run on src, reproduces want, and if so
// the span of l's output steps.
func feeds(l layers.Layer, src, want *tensor.Tensor, sp span) (span, bool) {
	if len(src.Shape) != 3 || src.Shape[0] != want.Shape[0] {
		return sp, false
	}
	if w, ok := l.(windowed); ok {
		g := w.Geometry()
		if g.Length != src.Shape[1] || g.OutLength != want.Shape[1] {
			return sp, false
		}
		if c, isConv := l.(*layers.Conv1D); isConv && c.Kernel() != nil && c.Kernel().Value.Shape[1]*c.Groups != src.Shape[2] {
			return sp, false
		}
		sp = sp.through(g)
	} else if !tensor.SameShape(src.Shape, want.Shape) {
		return sp, false
	}
	if _, merge := l.(*layers.Merge); merge {
		// An element-wise merge (e.g. the forecaster's window minus its
		// last step) needs its other inputs to re-run; one of the same
		// shape as its output keeps that input's steps (the others are
		// broadcast over them). It is taken as the source when re-running
		// cannot check it.
		return sp, true
	}
	got, ok := forwardOnce(l, src, want.Shape)
	if !ok {
		return sp, false
	}
	scale := 1.0
	for _, v := range want.Data {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i, v := range want.Data {
		if math.Abs(float64(v-got.Data[i])) > 1e-5*scale {
			return sp, false
		}
	}
	return sp, true
}

// forwardOnce runs l on in with a fresh inference context; a layer that
// cannot run on it (it wants several inputs) reports false.
func forwardOnce(l layers.Layer, in *tensor.Tensor, shape []int) (out *tensor.Tensor, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = nil, false
		}
	}()
	out = tensor.New(shape...)
	l.Forward(&layers.Context{}, []*tensor.Tensor{in}, []*tensor.Tensor{out})
	return out, true
}

// Kernel returns one filter's weights of a Conv1D layer of m as
// kernel_size × input channels (per group), the layout plot.FilterWeights
// draws.
func Kernel(m *model.Model, layer string, filter int) ([][]float64, error) {
	l := m.Layer(layer)
	var convNames []string
	for _, x := range m.Layers() {
		if _, ok := x.(*layers.Conv1D); ok {
			convNames = append(convNames, x.Common().Name)
		}
	}
	c, ok := l.(*layers.Conv1D)
	if !ok || c.Kernel() == nil {
		if len(convNames) == 0 {
			return nil, fmt.Errorf("the model has no Conv1D layer, so it has no filters to draw")
		}
		return nil, fmt.Errorf("no Conv1D layer named %q: the model's Conv1D layers are %s", layer, strings.Join(convNames, ", "))
	}
	if filter < 0 || filter >= c.Filters {
		return nil, fmt.Errorf("filter %d does not exist: layer %s has %d filters (0–%d)", filter, layer, c.Filters, c.Filters-1)
	}
	k := c.Kernel().Value
	K, C, F := k.Shape[0], k.Shape[1], k.Shape[2]
	w := make([][]float64, K)
	for t := range K {
		w[t] = make([]float64, C)
		for ch := range C {
			w[t][ch] = float64(k.Data[(t*C+ch)*F+filter])
		}
	}
	return w, nil
}

// Words turns token indices into words with a vocabulary (index i is
// vocab[i]); an index the vocabulary does not cover is printed as a number.
// It gives explainplot.WritePicture its tokens for a token attribution.
func Words(vocab []string, tokens []int) []string {
	w := make([]string, len(tokens))
	for i, k := range tokens {
		w[i] = word(vocab, k)
	}
	return w
}
