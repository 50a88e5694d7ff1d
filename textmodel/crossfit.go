package textmodel

import (
	"runtime"
	"sync"

	"github.com/seqnet/seqnet/baseline"
)

// CrossFolds is the number of folds of FitLinear's cross-fitting.
const CrossFolds = 5

// oofScores are Naive Bayes' (per setting in nbs) and logistic
// regression's (per C in lrCs) class scores of every text from the models
// fitted on the other folds: out-of-fold, so that the weights fitted on
// them see how the classifiers do on texts they were not fitted on.
type oofScores struct {
	nbs         []nbSetting
	sub         *subwords
	nb, lr, nbm [][][]float64 // [setting][text][class]; nbm: nbMeanScores
}

// nbSetting is one of Naive Bayes' settings FitLinear chooses from: its
// smoothing, and whether it reads the words' character n-grams too.
type nbSetting struct {
	alpha    float64
	subwords bool
}

// nbSettings are the Naive Bayes settings to choose from: each smoothing
// of nbAlphas on the words, then (with the vocabulary's words at hand)
// each on the words and their n-grams. On a tie the first wins: words
// alone.
func nbSettings(sub *subwords) []nbSetting {
	var out []nbSetting
	for _, a := range nbAlphas {
		out = append(out, nbSetting{a, false})
	}
	if sub != nil {
		for _, a := range nbAlphas {
			out = append(out, nbSetting{a, true})
		}
	}
	return out
}

// fit fits Naive Bayes with setting st (sub: the vocabulary's n-grams).
func (st nbSetting) fit(docs [][]int, labels []int, o Options, sub *subwords) (*baseline.NaiveBayes, error) {
	if !st.subwords {
		sub = nil
	}
	return fitNaiveBayes(docs, labels, o, st.alpha, sub)
}

// crossFit fits the linear classifiers on CrossFolds folds of the texts
// (text i in fold i mod CrossFolds, so that each fold spans the whole
// file), the folds in parallel; sub (nil: none) are the vocabulary's
// n-grams, for Naive Bayes' subword settings.
func crossFit(docs [][]int, labels []int, o Options, sub *subwords) (*oofScores, error) {
	n := len(docs)
	nbs := nbSettings(sub)
	s := &oofScores{nbs: nbs, sub: sub, nb: make([][][]float64, len(nbs)), lr: make([][][]float64, len(lrCs)), nbm: make([][][]float64, len(nbs))}
	for i := range s.nb {
		s.nb[i], s.nbm[i] = make([][]float64, n), make([][]float64, n)
	}
	for i := range s.lr {
		s.lr[i] = make([][]float64, n)
	}
	folds := min(CrossFolds, n)
	errs := make([]error, folds)
	inParallel(folds, func(k int) { errs[k] = s.fold(docs, labels, o, k, folds) })
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// fold fits the classifiers without fold k and scores fold k's texts.
func (s *oofScores) fold(docs [][]int, labels []int, o Options, k, folds int) error {
	var fd, hd [][]int
	var fl, hold []int
	for i := range docs {
		if i%folds == k {
			hd, hold = append(hd, docs[i]), append(hold, i)
		} else {
			fd, fl = append(fd, docs[i]), append(fl, labels[i])
		}
	}
	if len(fd) == 0 {
		return nil
	}
	for a, st := range s.nbs {
		nb, err := st.fit(fd, fl, o, s.sub)
		if err != nil {
			return err
		}
		for j, sc := range nbScores(nb, hd) {
			s.nb[a][hold[j]] = sc
		}
		for j, sc := range nbMeanScores(nb, hd) {
			s.nbm[a][hold[j]] = sc
		}
	}
	for c, C := range lrCs {
		lr, err := fitLR(fd, fl, o, C)
		if err != nil {
			return err
		}
		for j, sc := range lrScores(lr, hd) {
			s.lr[c][hold[j]] = sc
		}
	}
	return nil
}

// members are the linear members' out-of-fold scores with Naive Bayes
// setting nbs[a] and penalty lrCs[c], in BlendResult's order: Naive Bayes,
// logistic regression, length-normalised Naive Bayes.
func (s *oofScores) members(a, c int) [][][]float64 {
	return [][][]float64{s.nb[a], s.lr[c], s.nbm[a]}
}

// chooseLinear fits the blend of each pair of settings on the out-of-fold
// scores (the pairs in parallel) and returns the pair with the lowest
// cross-entropy, and its blend (on a tie, the first pair in nbs × lrCs
// order).
func (s *oofScores) chooseLinear(labels []int) (a, c int, best *stack) {
	nl := len(s.lr)
	stacks := make([]*stack, len(s.nb)*nl)
	inParallel(len(stacks), func(p int) { stacks[p] = fitStack(s.members(p/nl, p%nl), labels, true) })
	for p, st := range stacks {
		if best == nil || st.loss < best.loss {
			a, c, best = p/nl, p%nl, st
		}
	}
	return a, c, best
}

// inParallel runs f(0) … f(n-1), at most GOMAXPROCS at a time, and
// returns when all are done. The tasks here (a fold's fits, a blend's
// fit) each take long enough for a goroutine of their own.
func inParallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}
