package textmodel

import (
	"fmt"

	"github.com/seqnet/seqnet/baseline"
)

// The character n-grams of the subword features: from MinGram to MaxGram
// characters of "<" + word + ">", as fastText's (Bojanowski et al. 2017
// use 3 to 6; 3 to 5 had the lower out-of-fold loss on the spam subjects,
// where 2 to 5 and 1 to 4 were also tried).
const (
	MinGram = 3
	MaxGram = 5
)

// subwords are character n-gram features of the vocabulary's words, as
// fastText's: word t stands for itself and for the n-grams of "<" + t + ">",
// so that words seen a few times share strength with the words they are
// spelt like (inflections, compounds, obfuscated spellings). Naive Bayes
// over these features still gives each word one value per class — its
// own log-likelihood plus its n-grams' (nbScores sums a text's features
// word by word) — which the bag path holds as it is: the model, its saved
// form and its exports do not change.
type subwords struct {
	// grams[t] are word t's n-gram feature ids (from len(grams) up); none
	// for padding and [UNK].
	grams    [][]int
	features int // the words and the distinct n-grams
}

// newSubwords finds the n-grams of words (the vocabulary in index order:
// padding, [UNK], then the learned words).
func newSubwords(words []string) *subwords {
	s := &subwords{grams: make([][]int, len(words))}
	id := map[string]int{}
	for t := 2; t < len(words); t++ {
		r := []rune("<" + words[t] + ">")
		for n := MinGram; n <= MaxGram && n < len(r); n++ { // the whole "<word>" is the word's own feature
			for i := 0; i+n <= len(r); i++ {
				g := string(r[i : i+n])
				j, ok := id[g]
				if !ok {
					j = len(words) + len(id)
					id[g] = j
				}
				s.grams[t] = append(s.grams[t], j)
			}
		}
	}
	s.features = len(words) + len(id)
	return s
}

// fitNaiveBayes fits multinomial Naive Bayes with smoothing alpha on docs'
// words, or, with s, on their words and n-grams; the latter is returned as
// its value per word (collapse).
func fitNaiveBayes(docs [][]int, labels []int, o Options, alpha float64, s *subwords) (*baseline.NaiveBayes, error) {
	if s == nil {
		nb, err := baseline.FitNaiveBayes(docs, labels, o.Classes, o.Vocab, alpha)
		if err != nil {
			return nil, fmt.Errorf("textmodel: %w", err)
		}
		return nb, nil
	}
	feats := make([][]int, len(docs))
	for i, d := range docs {
		for _, t := range d {
			if t > 0 && t < len(s.grams) {
				feats[i] = append(append(feats[i], t), s.grams[t]...)
			}
		}
	}
	nb, err := baseline.FitNaiveBayes(feats, labels, o.Classes, s.features, alpha)
	if err != nil {
		return nil, fmt.Errorf("textmodel: %w", err)
	}
	return s.collapse(nb, docs), nil
}

// collapse turns Naive Bayes over the subword features into its value per
// word: word t's log-likelihood is its own plus its n-grams'. A word that
// no text of docs (those it was fitted on) holds keeps its own smoothed
// log-likelihood only: an unseen word's n-grams would otherwise score it,
// which in cross-fitting would credit the subwords with words the texts to
// predict cannot have (a word outside the vocabulary is [UNK], which has
// no n-grams).
func (s *subwords) collapse(nb *baseline.NaiveBayes, docs [][]int) *baseline.NaiveBayes {
	v := len(s.grams)
	seen := make([]bool, v)
	for _, d := range docs {
		for _, t := range d {
			if t > 0 && t < v {
				seen[t] = true
			}
		}
	}
	out := &baseline.NaiveBayes{LogPrior: nb.LogPrior, LogLik: make([][]float64, len(nb.LogLik))}
	for c, ll := range nb.LogLik {
		w := append([]float64(nil), ll[:v]...)
		for t := 1; t < v; t++ {
			if seen[t] {
				for _, g := range s.grams[t] {
					w[t] += ll[g]
				}
			}
		}
		out.LogLik[c] = w
	}
	return out
}
