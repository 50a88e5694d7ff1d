package textmodel

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/tensor"
)

// TestSubwordGrams checks the n-grams against a hand-made list: "<cat>"
// has the 3-grams <ca, cat, at> and the 4-grams <cat, cat> (the 5-gram is
// the word itself); a word shares its n-grams' ids with other words.
func TestSubwordGrams(t *testing.T) {
	s := newSubwords([]string{"", "[UNK]", "cat", "cats", "éa"})
	id := map[int]string{}
	names := func(t int) (out []string) {
		for _, g := range s.grams[t] {
			out = append(out, id[g])
		}
		return out
	}
	// Name the ids from "cats"' n-grams, then check "cat"'s.
	for i, g := range []string{"<ca", "cat", "ats", "ts>", "<cat", "cats", "ats>", "<cats", "cats>"} {
		id[s.grams[3][i]] = g
	}
	if got, want := names(2), []string{"<ca", "cat", "", "<cat", ""}; len(got) != 5 || got[0] != want[0] || got[1] != want[1] || got[3] != want[3] || got[2] != "" || got[4] != "" {
		t.Errorf("cat's n-grams named %q from cats' n-grams, want %q (at> and cat> are not cats')", got, want)
	}
	if len(s.grams[0]) != 0 || len(s.grams[1]) != 0 {
		t.Errorf("padding and [UNK] have n-grams %v, %v", s.grams[0], s.grams[1])
	}
	if len(s.grams[4]) != 2 { // "<éa>": two 3-grams (characters, not bytes)
		t.Errorf("éa has %d n-grams, want 2", len(s.grams[4]))
	}
	// cat: 5 n-grams, cats: 9, éa: 2, sharing <ca, cat and <cat.
	if want := 5 + 5 + 9 + 2 - 3; s.features != want {
		t.Errorf("%d features, want %d", s.features, want)
	}
}

// TestSubwordNaiveBayesIsPerWord checks the collapse: the scores of Naive
// Bayes over words and n-grams, summed feature by feature, equal those of
// its value per word, which the bag path holds; a word the fit never saw
// keeps its own smoothed log-likelihood only.
func TestSubwordNaiveBayesIsPerWord(t *testing.T) {
	words := []string{"", "[UNK]", "free", "freedom", "win", "winner", "meeting", "meet", "notes", "unseen"}
	docs := [][]int{{2, 4}, {3, 5, 5}, {4, 2, 1}, {6, 8}, {7, 8, 6}, {8, 1}, {2, 6}}
	labels := []int{1, 1, 1, 0, 0, 0, 1}
	o := Options{Vocab: len(words), Classes: 2}
	s := newSubwords(words)
	nb, err := fitNaiveBayes(docs, labels, o, 0.3, s)
	if err != nil {
		t.Fatal(err)
	}
	var feats [][]int
	for _, d := range docs {
		var f []int
		for _, w := range d {
			f = append(append(f, w), s.grams[w]...)
		}
		feats = append(feats, f)
	}
	full, err := baseline.FitNaiveBayes(feats, labels, 2, s.features, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	test := [][]int{{2, 3, 4}, {7, 7, 1}, {5, 6, 8, 2}}
	got := nbScores(nb, test)
	for i, d := range test {
		for c := 0; c < 2; c++ {
			want := full.LogPrior[c]
			for _, w := range d {
				want += full.LogLik[c][w]
				for _, g := range s.grams[w] {
					want += full.LogLik[c][g]
				}
			}
			if math.Abs(got[i][c]-want) > 1e-9*math.Abs(want) {
				t.Errorf("text %d class %d: per-word score %.12g, over the features %.12g", i, c, got[i][c], want)
			}
		}
	}
	for c := 0; c < 2; c++ {
		if nb.LogLik[c][9] != full.LogLik[c][9] {
			t.Errorf("class %d: the unseen word scores %g, want its own %g (its n-grams left out)", c, nb.LogLik[c][9], full.LogLik[c][9])
		}
	}
}

// suffixTask makes texts of rare words whose class shows in their ending
// ("…ing" or "…ed"): most words occur once or twice, so counting words
// learns little, their n-grams much. It returns the token ids and the
// vocabulary.
func suffixTask(rng *rand.Rand, n, seqLen int) (*tensor.Tensor, *tensor.Tensor, []string) {
	nWords := n // words per class: each occurs about seqLen/2 times
	words := []string{"", "[UNK]"}
	letters := "bcdfghklmnprstvw"
	for i := 0; i < 2*nWords; i++ {
		stem := make([]byte, 4)
		for j := range stem {
			stem[j] = letters[rng.IntN(len(letters))]
		}
		words = append(words, string(stem)+[]string{"ed", "ing"}[i%2])
	}
	x, y := tensor.New(n, seqLen), tensor.New(n)
	for i := 0; i < n; i++ {
		c := rng.IntN(2)
		y.Data[i] = float32(c)
		for j := 0; j < seqLen; j++ {
			w := 2 + 2*rng.IntN(nWords) + c
			if rng.Float64() < 0.3 { // a word of either class
				w = 2 + rng.IntN(2*nWords)
			}
			x.Data[i*seqLen+j] = float32(w)
		}
	}
	return x, y, words
}

// TestFitLinearChoosesSubwordsByCrossFitting: FitLinear reads the words'
// n-grams where they carry the class (suffixTask), and its out-of-fold
// validation accuracy is then higher than without the words; where the
// spelling is noise (wordTask with random words) it keeps words alone.
func TestFitLinearChoosesSubwordsByCrossFitting(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const seqLen = 4
	x, y, words := suffixTask(rng, 400, seqLen)
	o := Options{SeqLen: seqLen, Vocab: len(words), Classes: 2}
	plain, err := FitLinear(o, x.Rows(0, 320), y.Rows(0, 320), x.Rows(320, 400), y.Rows(320, 400))
	if err != nil {
		t.Fatal(err)
	}
	o.Words = words
	sub, err := FitLinear(o, x.Rows(0, 320), y.Rows(0, 320), x.Rows(320, 400), y.Rows(320, 400))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("suffixes: words alone %.3f, with n-grams %.3f (chosen %v)", plain.BagAccuracy, sub.BagAccuracy, sub.NBSubwords)
	if plain.NBSubwords || !sub.NBSubwords || sub.BagAccuracy < plain.BagAccuracy+0.03 {
		t.Errorf("subwords chosen %v without words, %v with; accuracy %.3f vs %.3f: want them chosen with the words only, and ≥ 0.03 better",
			plain.NBSubwords, sub.NBSubwords, sub.BagAccuracy, plain.BagAccuracy)
	}

	const vocab = 41
	x, y = wordTask(rng, 600, 10, vocab, 3)
	o = Options{SeqLen: 10, Vocab: vocab, Classes: 3, Words: []string{"", "[UNK]"}}
	for len(o.Words) < vocab {
		w := make([]byte, 3+rng.IntN(4))
		for j := range w {
			w[j] = byte('a' + rng.IntN(26))
		}
		if !slices.Contains(o.Words, string(w)) {
			o.Words = append(o.Words, string(w))
		}
	}
	r, err := FitLinear(o, x.Rows(0, 480), y.Rows(0, 480), x.Rows(480, 600), y.Rows(480, 600))
	if err != nil {
		t.Fatal(err)
	}
	if r.NBSubwords {
		t.Errorf("random spellings: subwords chosen (validation accuracy %.3f)", r.BagAccuracy)
	}
	o.Words = o.Words[:vocab-1]
	if _, err := FitLinear(o, x.Rows(0, 480), y.Rows(0, 480), x.Rows(480, 600), y.Rows(480, 600)); err == nil {
		t.Error("no error for 40 words with a vocabulary of 41")
	}
}

// TestRefitWithSubwords: after Refit, a model whose CNN is left out holds
// the blend of the refitted classifiers, subword Naive Bayes included:
// its logits are the blend's scores (up to float32 rounding). The model
// has New's weights, shapes unchanged, and a saved and loaded copy
// predicts the same, bit for bit.
func TestRefitWithSubwords(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const seqLen = 4
	x, y, words := suffixTask(rng, 300, seqLen)
	o := Options{SeqLen: seqLen, Vocab: len(words), Classes: 2, EmbeddingDim: 4, Filters: 4, KernelSize: 2, Seed: 3, Words: words}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := FitLinear(o, x.Rows(0, 240), y.Rows(0, 240), x.Rows(240, 300), y.Rows(240, 300))
	if err != nil {
		t.Fatal(err)
	}
	if !r.NBSubwords {
		t.Fatal("subwords not chosen on the suffix task")
	}
	if err := r.AddCNN(m, o, x.Rows(240, 300), y.Rows(240, 300)); err != nil {
		t.Fatal(err)
	}
	r.CNN = 0
	if err := r.Refit(m, o, x, y); err != nil {
		t.Fatal(err)
	}
	docs, labels, _ := sequences(o, x, y)
	nb, _ := fitNaiveBayes(docs, labels, o, r.NBAlpha, newSubwords(words))
	lr, _ := fitLR(docs, labels, o, r.LRC)
	ns, ls, ms := nbScores(nb, docs), lrScores(lr, docs), nbMeanScores(nb, docs)
	p, err := m.Predict(x, 64)
	if err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		score := func(c int) float64 { return r.NB*ns[i][c] + r.LR*ls[i][c] + r.NBMean*ms[i][c] + r.Bias[c] }
		want := score(1) - score(0)
		q := float64(p.Data[i])
		got := math.Log(q / (1 - q))
		if math.Abs(want) < 10 && math.Abs(got-want) > 1e-3*math.Max(1, math.Abs(want)) {
			t.Fatalf("text %d: the model's logit %.6g, the refitted blend's %.6g", i, got, want)
		}
	}
	o.Words = nil
	plain, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ws, pw := m.Weights(), plain.Weights()
	if len(ws) != len(pw) {
		t.Fatalf("%d weights, New without words has %d", len(ws), len(pw))
	}
	for i := range ws {
		if !slices.Equal(ws[i].Shape, pw[i].Shape) {
			t.Errorf("weight %d has shape %v, New's %v", i, ws[i].Shape, pw[i].Shape)
		}
	}
	path := filepath.Join(t.TempDir(), "m.seqnet")
	if err := checkpoint.Save(path, m, checkpoint.Extra{}); err != nil {
		t.Fatal(err)
	}
	back, _, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	q, err := back.Predict(x, 64)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Data, q.Data) {
		t.Error("the saved and loaded model predicts otherwise")
	}
}
