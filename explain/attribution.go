package explain

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Kind says what a model reads: numeric series or token indices.
type Kind int

const (
	// Series inputs are (steps, channels) numbers.
	Series Kind = iota
	// Tokens inputs are token indices read by an Embedding first layer.
	Tokens
)

// String is "series" or "tokens".
func (k Kind) String() string {
	if k == Tokens {
		return "tokens"
	}
	return "series"
}

// Methods are the attribution methods Compute and ForRow accept.
var Methods = []string{"gradient", "gradxinput", "integrated", "occlusion"}

// aliases maps other common spellings to the method names.
var aliases = map[string]string{
	"gradient": "gradient", "gradients": "gradient", "saliency": "gradient", "grad": "gradient",
	"gradxinput": "gradxinput", "gradient_x_input": "gradxinput", "gradientxinput": "gradxinput",
	"input_x_gradient": "gradxinput", "inputxgradient": "gradxinput",
	"integrated": "integrated", "integrated_gradients": "integrated", "integratedgradients": "integrated", "ig": "integrated",
	"occlusion": "occlusion",
}

// Method returns the method name for a spelling ("saliency", "ig",
// "Integrated-Gradients", …), or an error listing the methods.
func Method(name string) (string, error) {
	key := strings.ToLower(strings.NewReplacer("-", "_", " ", "_", "×", "x").Replace(strings.TrimSpace(name)))
	if m, ok := aliases[key]; ok {
		return m, nil
	}
	return "", fmt.Errorf("unknown attribution method %q: choose one of %s", name, strings.Join(Methods, ", "))
}

// Options tune the attribution methods. The zero value explains output 0,
// unit 0, with the defaults given below.
type Options struct {
	// Output is the model output to explain (default 0).
	Output int
	// Unit is the unit on the last axis of that output (default 0: the
	// single unit of a sigmoid output). -1 explains, for each row, the unit
	// with the highest output (the predicted class of a softmax).
	Unit int
	// Steps is the number of points integrated gradients evaluate on the
	// path (default 64).
	Steps int
	// Rule is integrated gradients' quadrature: "midpoint" (default: Steps
	// points at the middle of equal segments) or "trapezoid" (the path's
	// two ends and Steps-1 points between). Midpoint is the default because
	// at the baseline itself a max-pooling layer often sees ties (all steps
	// equal), whose shared gradient differs from the gradient just beside
	// the baseline; the trapezoid rule's end point then costs an error
	// that shrinks only as 1/Steps.
	Rule string
	// Baseline is the reference input of integrated gradients and
	// occlusion for series models: "zero" (default) or "mean", the mean of
	// each channel over Reference. Token models always use zero vectors
	// (integrated) and the padding index 0 (occlusion).
	Baseline string
	// Reference holds the data the "mean" baseline is computed from (the
	// training set); nil means the rows being explained (ForRow: the whole
	// dataset it is given).
	Reference *tensor.Tensor
	// Window and Stride are occlusion's window length and step in input
	// steps (defaults: Window 1 for token models, 3 for series; Stride 1).
	Window, Stride int
	// BatchSize bounds the rows run through the model at once (default 64).
	BatchSize int
}

func (o Options) withDefaults(k Kind) Options {
	if o.Steps <= 0 {
		o.Steps = 64
	}
	if o.Rule == "" {
		o.Rule = "midpoint"
	}
	if o.Baseline == "" {
		o.Baseline = "zero"
	}
	if o.Window <= 0 {
		o.Window = 3
		if k == Tokens {
			o.Window = 1
		}
	}
	if o.Stride <= 0 {
		o.Stride = 1
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 64
	}
	return o
}

func (o Options) check(k Kind) error {
	switch o.Rule {
	case "trapezoid", "midpoint":
	default:
		return fmt.Errorf("unknown integration rule %q: choose \"trapezoid\" or \"midpoint\"", o.Rule)
	}
	switch o.Baseline {
	case "zero", "zeros":
	case "mean":
		if k == Tokens {
			return fmt.Errorf("baseline \"mean\" has no meaning for a token model (there is no mean token): token models use zero embedding vectors (integrated) and the padding index 0 (occlusion); leave Baseline empty or \"zero\"")
		}
	default:
		return fmt.Errorf("unknown baseline %q: choose \"zero\" or \"mean\" (the training data's mean of each channel)", o.Baseline)
	}
	return nil
}

// Attribution is one sample's explanation.
type Attribution struct {
	// Method is the method's name (one of Methods).
	Method string
	// Kind says whether the model reads series or tokens.
	Kind Kind
	// Row is the sample's row in the data ForRow was given, or its index
	// in the batch for Compute and the method functions.
	Row int
	// Output and Unit name the explained model output unit.
	Output, Unit int
	// Input is the sample, (steps, channels); nil for token models.
	Input [][]float64
	// Tokens are the sample's token indices; nil for series models.
	Tokens []int
	// Values are the attributions, (steps, channels). For token models the
	// channels are the embedding dimensions (gradient, gradxinput,
	// integrated) or a single column (occlusion).
	Values [][]float64
	// Scores has one value per step: the sum of Values over channels (for
	// "gradient" on tokens: the Euclidean norm of the gradient).
	Scores []float64
	// Prediction is the explained unit's output on the sample.
	Prediction float64
	// BaselinePrediction is its output on the baseline (integrated,
	// occlusion), NaN for the gradient methods.
	BaselinePrediction float64
	// Gap is, for integrated gradients, Total − (Prediction −
	// BaselinePrediction): the quadrature error (Captum's "convergence
	// delta"). Networks with ReLU and max pooling have kinks on the path,
	// which make it shrink as 1/Steps; raise Steps when it is large. NaN
	// for the other methods.
	Gap float64
}

// Peak returns the step that speaks most for the explained unit: the
// highest score, or for "gradient" (whose sign only says which way a small
// change would move the output) the largest |score|. Ties go to the first.
func (a *Attribution) Peak() int {
	best, at := math.Inf(-1), 0
	for t, s := range a.Scores {
		if a.Method == "gradient" {
			s = math.Abs(s)
		}
		if s > best {
			best, at = s, t
		}
	}
	return at
}

// Total is the sum of all attributions (for integrated gradients, about
// Prediction − BaselinePrediction).
func (a *Attribution) Total() float64 {
	var s float64
	for _, row := range a.Values {
		for _, v := range row {
			s += v
		}
	}
	return s
}

// Compute runs the named method (see Methods) on every row of the batch x.
func Compute(m *model.Model, x *tensor.Tensor, method string, o Options) ([]*Attribution, error) {
	name, err := Method(method)
	if err != nil {
		return nil, err
	}
	switch name {
	case "gradient":
		return Gradient(m, x, o)
	case "gradxinput":
		return GradientXInput(m, x, o)
	case "integrated":
		return IntegratedGradients(m, x, o)
	default:
		return Occlusion(m, x, o)
	}
}

// ForRow explains row `row` of the dataset x (all rows, samples first)
// with the named method. The "mean" baseline defaults to the mean of x.
func ForRow(m *model.Model, x *tensor.Tensor, row int, method string, o Options) (*Attribution, error) {
	if x == nil || len(x.Shape) < 2 || x.Shape[0] == 0 {
		return nil, fmt.Errorf("explain: the data is empty: expected samples first, e.g. (rows, steps, channels)")
	}
	n := x.Shape[0]
	if row < 0 || row >= n {
		return nil, fmt.Errorf("row %d does not exist: the data has %d rows (0–%d)", row, n, n-1)
	}
	if _, err := Method(method); err != nil {
		return nil, err
	}
	if o.Reference == nil {
		o.Reference = x
	}
	as, err := Compute(m, x.Rows(row, row+1), method, o)
	if err != nil {
		return nil, err
	}
	as[0].Row = row
	return as[0], nil
}

// subject is a model and a batch ready to be explained.
type subject struct {
	m        *model.Model
	kind     Kind
	x        *tensor.Tensor
	n, steps int
	channels int // input channels (1 for tokens)
	tok      *tokenModel
	o        Options
	units    []int     // explained unit per row
	pred     []float64 // its output per row
}

// MaxSteps bounds Options.Steps: integrated gradients with more points
// than this would run for hours without changing the result.
const MaxSteps = 10000

func prepare(m *model.Model, x *tensor.Tensor, o Options) (*subject, error) {
	if m == nil {
		return nil, fmt.Errorf("explain: the model is nil")
	}
	if x == nil || len(x.Shape) < 2 || x.Shape[0] == 0 {
		return nil, fmt.Errorf("explain: the data is empty: expected samples first, e.g. (rows, steps, channels)")
	}
	if o.Steps > MaxSteps {
		return nil, fmt.Errorf("explain: %d integration steps is too many: each is a forward and backward pass; at most %d (50 to 300 is usual)", o.Steps, MaxSteps)
	}
	s := &subject{m: m, x: x, n: x.Shape[0], steps: x.Shape[1], channels: tensor.Size(x.Shape[2:])}
	// Predict builds a Sequential model from the data and checks the data
	// against the model, with the model's own error messages.
	outs, err := m.PredictMulti([]*tensor.Tensor{x}, o.BatchSize)
	if err != nil {
		return nil, err
	}
	if k := len(m.InputShapes()); k != 1 {
		return nil, fmt.Errorf("explain works on models with one input; this model has %d", k)
	}
	if o.Output < 0 || o.Output >= len(outs) {
		return nil, fmt.Errorf("output %d does not exist: the model has %d output(s) (0–%d)", o.Output, len(outs), len(outs)-1)
	}
	if s.tok, err = tokenModelOf(m, x); err != nil {
		return nil, err
	}
	if s.tok != nil {
		s.kind = Tokens
	}
	s.o = o.withDefaults(s.kind)
	if err := s.o.check(s.kind); err != nil {
		return nil, err
	}
	out := outs[o.Output]
	last := out.Shape[len(out.Shape)-1]
	if o.Unit >= last {
		return nil, fmt.Errorf("unit %d does not exist: output %d has %d unit(s) on its last axis (0–%d); -1 picks each row's highest", o.Unit, o.Output, last, last-1)
	}
	s.units = make([]int, s.n)
	s.pred = make([]float64, s.n)
	for i := range s.n {
		u := o.Unit
		if u < 0 {
			u = argmaxUnit(out, i)
		}
		s.units[i] = u
		s.pred[i] = unitValue(out, i, u)
	}
	return s, nil
}

// unitValue is output unit u of row i, summed over any axes between the
// batch and the last (what Gradients back-propagates from).
func unitValue(out *tensor.Tensor, i, u int) float64 {
	last := out.Shape[len(out.Shape)-1]
	per := len(out.Data) / out.Shape[0]
	var v float64
	for j := u; j < per; j += last {
		v += float64(out.Data[i*per+j])
	}
	return v
}

func argmaxUnit(out *tensor.Tensor, i int) int {
	last := out.Shape[len(out.Shape)-1]
	per := len(out.Data) / out.Shape[0]
	best, at := math.Inf(-1), 0
	for u := range last {
		var v float64
		for j := u; j < per; j += last {
			v += float64(out.Data[i*per+j])
		}
		if v > best {
			best, at = v, u
		}
	}
	return at
}

// groups returns the rows of each explained unit, units in increasing
// order, rows split into chunks of at most BatchSize.
func (s *subject) groups() (units []int, rows [][]int) {
	by := map[int][]int{}
	for i, u := range s.units {
		by[u] = append(by[u], i)
	}
	keys := make([]int, 0, len(by))
	for u := range by {
		keys = append(keys, u)
	}
	slices.Sort(keys)
	for _, u := range keys {
		for r := range slices.Chunk(by[u], s.o.BatchSize) {
			units, rows = append(units, u), append(rows, r)
		}
	}
	return units, rows
}

// newAttribution fills what every method shares for row i.
func (s *subject) newAttribution(method string, i int) *Attribution {
	a := &Attribution{Method: method, Kind: s.kind, Row: i, Output: s.o.Output, Unit: s.units[i],
		Prediction: s.pred[i], BaselinePrediction: math.NaN(), Gap: math.NaN()}
	per := s.steps * s.channels
	row := s.x.Data[i*per : (i+1)*per]
	if s.kind == Tokens {
		a.Tokens = make([]int, s.steps)
		for t, v := range row {
			a.Tokens[t] = int(v)
		}
	} else {
		a.Input = matrix(row, s.steps, s.channels)
	}
	return a
}

// matrix copies a flat (steps, channels) slice into rows.
func matrix(v []float32, steps, channels int) [][]float64 {
	m := make([][]float64, steps)
	for t := range m {
		m[t] = make([]float64, channels)
		for c := range m[t] {
			m[t][c] = float64(v[t*channels+c])
		}
	}
	return m
}

func rowSums(m [][]float64) []float64 {
	s := make([]float64, len(m))
	for t, r := range m {
		for _, v := range r {
			s[t] += v
		}
	}
	return s
}

// inputGradients returns, for rows of the batch and one unit, the
// gradient with respect to the input (series) or the Embedding output
// (tokens), and that input or embedding.
func (s *subject) inputGradients(rows []int, unit int) (grad, value *tensor.Tensor, err error) {
	xb := s.x.Gather(rows)
	if s.kind == Tokens {
		p, err := s.m.Gradients([]*tensor.Tensor{xb}, s.o.Output, unit, s.tok.name)
		if err != nil {
			return nil, nil, err
		}
		tap := p.Taps[s.tok.name]
		return tap.Grad, tap.Value, nil
	}
	p, err := s.m.Gradients([]*tensor.Tensor{xb}, s.o.Output, unit)
	if err != nil {
		return nil, nil, err
	}
	return p.InputGrads[0], xb, nil
}
