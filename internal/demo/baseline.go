package demo

import (
	"math"
)

// NaiveBayes is a multinomial Naive Bayes text classifier with Laplace
// smoothing (alpha 1), the classic baseline for spam filtering, on token
// index sequences (0 = padding is ignored).
type NaiveBayes struct {
	logPrior [2]float64
	logLik   [2][]float64
}

// FitNaiveBayes counts tokens per class.
func FitNaiveBayes(seqs [][]int, labels []int, vocab int) *NaiveBayes {
	nb := &NaiveBayes{}
	var docs [2]float64
	counts := [2][]float64{make([]float64, vocab), make([]float64, vocab)}
	var totals [2]float64
	for i, s := range seqs {
		c := labels[i]
		docs[c]++
		for _, t := range s {
			if t > 0 {
				counts[c][t]++
				totals[c]++
			}
		}
	}
	for c := 0; c < 2; c++ {
		nb.logPrior[c] = math.Log(docs[c] / (docs[0] + docs[1]))
		nb.logLik[c] = make([]float64, vocab)
		for t := range counts[c] {
			nb.logLik[c][t] = math.Log((counts[c][t] + 1) / (totals[c] + float64(vocab)))
		}
	}
	return nb
}

// Predict returns the more likely class of a token sequence.
func (nb *NaiveBayes) Predict(seq []int) int {
	s := nb.logPrior
	for _, t := range seq {
		if t > 0 && t < len(nb.logLik[0]) {
			s[0] += nb.logLik[0][t]
			s[1] += nb.logLik[1][t]
		}
	}
	if s[1] > s[0] {
		return 1
	}
	return 0
}
