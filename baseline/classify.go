package baseline

import (
	"fmt"
	"math"
)

// Majority predicts the most frequent training class (the smallest index
// among ties).
func Majority(labels []int, classes int) (int, error) {
	if err := checkLabels(labels, classes); err != nil {
		return 0, err
	}
	counts := make([]int, classes)
	for _, c := range labels {
		counts[c]++
	}
	best := 0
	for c, n := range counts {
		if n > counts[best] {
			best = c
		}
	}
	return best, nil
}

func checkLabels(labels []int, classes int) error {
	if len(labels) == 0 || classes < 1 {
		return fmt.Errorf("baseline: need at least one label and one class, received %d labels and %d classes", len(labels), classes)
	}
	for i, c := range labels {
		if c < 0 || c >= classes {
			return fmt.Errorf("baseline: label %d of sample %d is outside 0–%d", c, i, classes-1)
		}
	}
	return nil
}

// NaiveBayes is a multinomial Naive Bayes text classifier with additive
// (Laplace) smoothing, on token index sequences; token 0 (padding) and
// tokens outside the vocabulary are ignored.
type NaiveBayes struct {
	LogPrior []float64   // per class
	LogLik   [][]float64 // per class, per token
}

// FitNaiveBayes counts tokens per class: P(c) = docs(c)/docs and
// P(t|c) = (count(t,c)+alpha) / (tokens(c) + alpha·vocab).
func FitNaiveBayes(docs [][]int, labels []int, classes, vocab int, alpha float64) (*NaiveBayes, error) {
	if len(docs) != len(labels) {
		return nil, fmt.Errorf("baseline: %d documents but %d labels", len(docs), len(labels))
	}
	if err := checkLabels(labels, classes); err != nil {
		return nil, err
	}
	if vocab < 1 || !(alpha > 0) {
		return nil, fmt.Errorf("baseline: Naive Bayes needs a vocabulary ≥ 1 and a smoothing alpha > 0, received %d and %g", vocab, alpha)
	}
	nb := &NaiveBayes{LogPrior: make([]float64, classes), LogLik: make([][]float64, classes)}
	counts := make([][]float64, classes)
	totals := make([]float64, classes)
	ndocs := make([]float64, classes)
	for c := range counts {
		counts[c] = make([]float64, vocab)
	}
	for i, d := range docs {
		c := labels[i]
		ndocs[c]++
		for _, t := range d {
			if t > 0 && t < vocab {
				counts[c][t]++
				totals[c]++
			}
		}
	}
	for c := range counts {
		nb.LogPrior[c] = math.Log(ndocs[c] / float64(len(docs)))
		nb.LogLik[c] = make([]float64, vocab)
		for t := range counts[c] {
			nb.LogLik[c][t] = math.Log((counts[c][t] + alpha) / (totals[c] + alpha*float64(vocab)))
		}
	}
	return nb, nil
}

// Predict returns the most likely class of a token sequence.
func (nb *NaiveBayes) Predict(doc []int) int {
	best, bestS := 0, math.Inf(-1)
	for c, lp := range nb.LogPrior {
		s := lp
		for _, t := range doc {
			if t > 0 && t < len(nb.LogLik[c]) {
				s += nb.LogLik[c][t]
			}
		}
		if s > bestS {
			best, bestS = c, s
		}
	}
	return best
}

// Sparse is one sample's features as (index, value) pairs; the indices
// need not be sorted and may repeat (values add).
type Sparse struct {
	Index []int
	Value []float64
}

// BagOfWords turns a token sequence into token counts (0 ignored).
func BagOfWords(doc []int) Sparse {
	var s Sparse
	for _, t := range doc {
		if t > 0 {
			s.Index = append(s.Index, t)
			s.Value = append(s.Value, 1)
		}
	}
	return s
}

// Dense turns a row of numbers into Sparse.
func Dense(row []float64) Sparse {
	s := Sparse{Index: make([]int, len(row)), Value: append([]float64(nil), row...)}
	for i := range row {
		s.Index[i] = i
	}
	return s
}

// Logistic is a multinomial logistic regression (softmax over classes of
// x·W + b).
type Logistic struct {
	Features, Classes int
	W                 []float64 // Features×Classes, row-major
	B                 []float64
}

// LogisticOptions are the fitting settings; zero values take the defaults.
type LogisticOptions struct {
	// C is the inverse penalty, as scikit-learn's LogisticRegression
	// (default 1): the fit minimises |W|²/2 + C·Σ cross-entropy.
	C float64
	// Iterations of full-batch Adam (default 300).
	Iterations int
	// LearningRate of Adam (default 0.1).
	LearningRate float64
}

// FitLogistic fits a multinomial logistic regression with an L2 penalty
// by deterministic full-batch Adam on the mean objective
// (Σ cross-entropy + |W|²/(2C)) / n.
func FitLogistic(x []Sparse, labels []int, features, classes int, o LogisticOptions) (*Logistic, error) {
	if len(x) != len(labels) {
		return nil, fmt.Errorf("baseline: %d samples but %d labels", len(x), len(labels))
	}
	if err := checkLabels(labels, classes); err != nil {
		return nil, err
	}
	for i, s := range x {
		if len(s.Index) != len(s.Value) {
			return nil, fmt.Errorf("baseline: sample %d has %d indices but %d values", i, len(s.Index), len(s.Value))
		}
		for _, j := range s.Index {
			if j < 0 || j >= features {
				return nil, fmt.Errorf("baseline: sample %d has feature %d outside 0–%d", i, j, features-1)
			}
		}
	}
	if o.C == 0 {
		o.C = 1
	}
	if o.Iterations == 0 {
		o.Iterations = 300
	}
	if o.LearningRate == 0 {
		o.LearningRate = 0.1
	}
	if !(o.C > 0) || o.Iterations < 0 || !(o.LearningRate > 0) {
		return nil, fmt.Errorf("baseline: logistic regression needs C > 0, iterations ≥ 0 and a learning rate > 0, received %g, %d, %g", o.C, o.Iterations, o.LearningRate)
	}
	m := &Logistic{Features: features, Classes: classes, W: make([]float64, features*classes), B: make([]float64, classes)}
	np := len(m.W) + classes
	params := make([]float64, np)
	mom, vel := make([]float64, np), make([]float64, np)
	const b1, b2, eps = 0.9, 0.999, 1e-8
	for it := 1; it <= o.Iterations; it++ {
		g := m.Gradient(x, labels, o.C)
		c1, c2 := 1-math.Pow(b1, float64(it)), 1-math.Pow(b2, float64(it))
		for i := range params {
			mom[i] = b1*mom[i] + (1-b1)*g[i]
			vel[i] = b2*vel[i] + (1-b2)*g[i]*g[i]
			params[i] -= o.LearningRate * (mom[i] / c1) / (math.Sqrt(vel[i]/c2) + eps)
		}
		copy(m.W, params[:len(m.W)])
		copy(m.B, params[len(m.W):])
	}
	return m, nil
}

// Gradient is the gradient of the mean objective (Σ cross-entropy +
// |W|²/(2C)) / n at the current weights: W's Features×Classes values, then
// B's.
func (m *Logistic) Gradient(x []Sparse, labels []int, c float64) []float64 {
	nw := len(m.W)
	g := make([]float64, nw+m.Classes)
	inv := 1 / float64(len(x))
	p := make([]float64, m.Classes)
	for i, s := range x {
		m.probs(s, p)
		p[labels[i]]--
		for k, j := range s.Index {
			v := s.Value[k] * inv
			row := g[j*m.Classes : (j+1)*m.Classes]
			for cl := range row {
				row[cl] += v * p[cl]
			}
		}
		for cl := range p {
			g[nw+cl] += p[cl] * inv
		}
	}
	for i, w := range m.W {
		g[i] += w * inv / c
	}
	return g
}

func (m *Logistic) probs(s Sparse, p []float64) {
	copy(p, m.B)
	for k, j := range s.Index {
		v := s.Value[k]
		for cl := range p {
			p[cl] += v * m.W[j*m.Classes+cl]
		}
	}
	Softmax(p)
}

// Softmax turns the class scores p into probabilities in place: exp(p[c])
// over their sum, computed with the largest score subtracted first so that
// large scores do not overflow.
func Softmax(p []float64) {
	mx := math.Inf(-1)
	for _, z := range p {
		mx = math.Max(mx, z)
	}
	sum := 0.0
	for cl, z := range p {
		p[cl] = math.Exp(z - mx)
		sum += p[cl]
	}
	for cl := range p {
		p[cl] /= sum
	}
}

// Probabilities returns the class probabilities of one sample.
func (m *Logistic) Probabilities(s Sparse) []float64 {
	p := make([]float64, m.Classes)
	m.probs(s, p)
	return p
}

// Predict returns the most likely class of one sample.
func (m *Logistic) Predict(s Sparse) int {
	p := m.Probabilities(s)
	best := 0
	for cl := range p {
		if p[cl] > p[best] {
			best = cl
		}
	}
	return best
}

// Accuracy is the fraction of predictions equal to the labels.
func Accuracy(pred, labels []int) float64 {
	n := 0
	for i := range pred {
		if pred[i] == labels[i] {
			n++
		}
	}
	return float64(n) / float64(len(pred))
}
