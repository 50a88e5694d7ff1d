// Command quality is seqnet's quality benchmark (not a test): it trains with
// default flags on every development dataset that bench/quality/fetch.sh
// fetched, and prints the model beside the simple baselines on the same
// held-out rows, for seeds 1–3 (mean and spread) with the wall time.
//
// Each dataset's last 20% of rows (series) or lines (text) is held out:
// `seqnet train` sees only the first 80% (and holds out its own validation
// part from it, by time for series), `seqnet predict` then forecasts or
// classifies the held-out rows. The baselines are fitted on the same 80%:
// persistence and seasonal naive need no fitting; the ridge autoregression
// uses the same window, its penalty chosen on the last 20% of the training
// rows (as train's validation part); Naive Bayes and logistic regression
// read the same words as each other (lower case, the 20,000 most frequent),
// split at punctuation other than apostrophes. seqnet's default
// standardization (--standardize lower_and_split_punctuation) splits there
// too, but deletes apostrophes ("don't" is dont) and lowers and splits at
// ASCII only; with Keras' (lower_and_strip_punctuation), which deletes
// punctuation, "e-mail" or "[Razor-users]" would be two words for the
// baselines and one for the model.
//
//	go build -o /tmp/seqnet ./cmd/seqnet
//	bash bench/quality/fetch.sh /tmp/seqnet-quality
//	go run ./bench/quality -seqnet /tmp/seqnet -data /tmp/seqnet-quality
//
// The only flags given to seqnet train besides the data are those that say
// what the data is: --window (twice the season, 12 for yearly series),
// --text and --target (the label column) for text. (train finds the date
// column of a series itself.)
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/seqnet/seqnet/baseline"
)

// series is one development series: its file, season (0: none) and window.
type series struct {
	name           string
	season, window int
}

var allSeries = []series{
	{"AirPassengers", 12, 24}, {"nottem", 12, 24}, {"UKgas", 4, 8}, {"ldeaths", 12, 24},
	{"USAccDeaths", 12, 24}, {"lynx", 0, 12}, {"sunspot.month", 12, 24}, {"LakeHuron", 0, 12},
	{"gas", 12, 24}, {"wineind", 12, 24}, {"woolyrnq", 4, 8}, {"taylor", 48, 96},
}

// textSet is one development text set: its file and label column.
type textSet struct{ name, file, label string }

var allText = []textSet{
	{"spam subjects (embedded)", "spam-subjects.tsv", "spam"},
	{"janeaustenr: book of a line", "austen.tsv", "book"},
	{"SpamAssassin bodies (npm)", "spamassassin.tsv", "label"},
	{"first names → sex (npm)", "names.tsv", "sex"},
}

func main() {
	bin := flag.String("seqnet", "seqnet", "the seqnet binary")
	dir := flag.String("data", "/tmp/seqnet-quality", "the folder fetch.sh wrote")
	seedList := flag.String("seeds", "1,2,3", "seeds")
	only := flag.String("only", "", "comma-separated dataset names (default: all)")
	extra := flag.String("train-flags", "", "extra flags for seqnet train (for experiments; the table is for none)")
	flag.Parse()
	var seeds []int
	for _, s := range strings.Split(*seedList, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			fail(fmt.Errorf("-seeds %q: %v", *seedList, err))
		}
		seeds = append(seeds, n)
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s != "" {
			want[s] = true
		}
	}
	tmp, err := os.MkdirTemp("", "seqnet-quality-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	r := &runner{bin: *bin, dir: *dir, tmp: tmp, seeds: seeds, extra: strings.Fields(*extra)}
	fmt.Println("| series | rows (test) | window | seqnet MAE, mean (spread) | persistence | seasonal naive | ridge AR | vs ridge | time / run |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, s := range allSeries {
		if len(want) > 0 && !want[s.name] {
			continue
		}
		if err := r.series(s); err != nil {
			fmt.Printf("| %s | error: %s |\n", s.name, oneLine(err.Error()))
		}
	}
	fmt.Println()
	fmt.Println("| text set | texts (test) | classes | seqnet accuracy, mean (spread) | majority | Naive Bayes | logistic regression | time / run |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, t := range allText {
		if len(want) > 0 && !want[t.file] && !want[t.name] {
			continue
		}
		if err := r.text(t); err != nil {
			fmt.Printf("| %s | error: %s |\n", t.name, oneLine(err.Error()))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "quality:", err)
	os.Exit(1)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

type runner struct {
	bin, dir, tmp string
	seeds         []int
	extra         []string
}

// run runs seqnet and returns its standard output.
func (r *runner) run(args ...string) (string, error) {
	cmd := exec.Command(r.bin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("seqnet %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func readTable(path string, comma rune) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma, cr.LazyQuotes, cr.FieldsPerRecord = comma, true, -1
	return cr.ReadAll()
}

func writeTable(path string, rows [][]string, comma rune) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Comma = comma
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// stats returns the mean and the spread (max − min) / mean of v.
func stats(v []float64) (mean, spread float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mean += x
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	mean /= float64(len(v))
	return mean, (hi - lo) / mean
}

func (r *runner) series(s series) error {
	path := filepath.Join(r.dir, s.name+".csv")
	rows, err := readTable(path, ',')
	if err != nil {
		return err
	}
	header, body := rows[0], rows[1:]
	vcol := len(header) - 1
	y := make([]float64, len(body))
	for i, row := range body {
		if y[i], err = strconv.ParseFloat(row[vcol], 64); err != nil {
			return fmt.Errorf("%s line %d: %v", path, i+2, err)
		}
	}
	n := len(y)
	split := n - n/5 // rows before split train
	trainPath := filepath.Join(r.tmp, s.name+"-train.csv")
	if err := writeTable(trainPath, append([][]string{header}, body[:split]...), ','); err != nil {
		return err
	}
	var testRows []int
	truth := y[split:]
	for t := split; t < n; t++ {
		testRows = append(testRows, t)
	}
	// Baselines on the test rows.
	pers, err := baseline.Persistence(y, testRows, 1)
	if err != nil {
		return err
	}
	snaive := "–"
	if s.season > 0 {
		p, err := baseline.SeasonalNaive(y, testRows, 1, s.season)
		if err != nil {
			return err
		}
		snaive = fmt.Sprintf("%.4g", baseline.MAE(p, truth))
	}
	ridgeMAE, err := ridgeAR(y, split, s.window)
	if err != nil {
		return err
	}
	var maes, secs []float64
	for _, seed := range r.seeds {
		model := filepath.Join(r.tmp, fmt.Sprintf("%s-%d.seqnet", s.name, seed))
		args := []string{"train", "--data", trainPath, "--window", strconv.Itoa(s.window), "--seed", strconv.Itoa(seed), "--no-curves", "--out", model}
		start := time.Now()
		if _, err := r.run(append(args, r.extra...)...); err != nil {
			return err
		}
		secs = append(secs, time.Since(start).Seconds())
		out, err := r.run("predict", "--model", model, "--data", path)
		if err != nil {
			return err
		}
		pred, err := seriesPredictions(out, body, header[0] == "date")
		if err != nil {
			return err
		}
		var p []float64
		for _, t := range testRows {
			v, ok := pred[t]
			if !ok {
				return fmt.Errorf("no prediction for row %d", t)
			}
			p = append(p, v)
		}
		maes = append(maes, baseline.MAE(p, truth))
	}
	m, spread := stats(maes)
	sec, _ := stats(secs)
	fmt.Printf("| %s | %d (%d) | %d | %.4g (%.1f%%) | %.4g | %s | %.4g | %+.1f%% | %.1f s |\n",
		s.name, n, n-split, s.window, m, 100*spread, baseline.MAE(pers, truth), snaive, ridgeMAE, 100*(m/ridgeMAE-1), sec)
	return nil
}

// seriesPredictions maps predict's CSV output (target_row,value) to row
// indices of body.
func seriesPredictions(out string, body [][]string, dated bool) (map[int]float64, error) {
	index := map[string]int{}
	for i, row := range body {
		if dated {
			index[row[0]] = i
		} else {
			index[strconv.Itoa(i)] = i
		}
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		return nil, err
	}
	pred := map[int]float64{}
	for _, row := range rows[1:] {
		i, ok := index[row[0]]
		if !ok {
			continue // a forecast past the end of the file
		}
		v, err := strconv.ParseFloat(row[len(row)-1], 64)
		if err != nil {
			return nil, fmt.Errorf("prediction %q: %v", row, err)
		}
		pred[i] = v
	}
	return pred, nil
}

// ridgeAR fits a ridge autoregression on the windows of w values that
// seqnet train fits on (targets in the first 80% of the rows before split),
// its penalty chosen on the others before split (train's validation
// windows), and returns its MAE on the targets from split on.
func ridgeAR(y []float64, split, w int) (float64, error) {
	win := func(from, to int) (x, t []float64, n int) {
		for r := max(from, w); r < to; r++ {
			x = append(x, y[r-w:r]...)
			t = append(t, y[r])
			n++
		}
		return
	}
	valSplit := int(float64(split) * (1 - 0.2)) // as seqnet train's --validation-split 0.2
	tx, ty, tn := win(0, valSplit)
	vx, vy, vn := win(valSplit, split)
	m, err := baseline.SelectRidge(tx, tn, w, ty, 1, vx, vn, vy)
	if err != nil {
		return 0, err
	}
	sx, sy, sn := win(split, len(y))
	return baseline.MAE(m.Predict(sx, sn), sy), nil
}

var wordRE = regexp.MustCompile(`[^\p{L}\p{N}\s']+`)

// words lower-cases, replaces punctuation other than apostrophes by a
// space and splits on white space.
func words(s string) []string {
	return strings.FieldsFunc(wordRE.ReplaceAllString(strings.ToLower(s), " "), unicode.IsSpace)
}

func (r *runner) text(ts textSet) error {
	path := filepath.Join(r.dir, ts.file)
	rows, err := readTable(path, '\t')
	if err != nil {
		return err
	}
	header, body := rows[0], rows[1:]
	lc := -1
	for j, h := range header {
		if h == ts.label {
			lc = j
		}
	}
	if lc < 0 {
		return fmt.Errorf("%s: no column %q", path, ts.label)
	}
	split := len(body) - len(body)/5
	trainPath := filepath.Join(r.tmp, "train-"+ts.file)
	testPath := filepath.Join(r.tmp, "test-"+ts.file)
	if err := writeTable(trainPath, append([][]string{header}, body[:split]...), '\t'); err != nil {
		return err
	}
	if err := writeTable(testPath, append([][]string{header}, body[split:]...), '\t'); err != nil {
		return err
	}
	b, err := textBaselines(body, split, lc)
	if err != nil {
		return err
	}
	accs, secs, err := r.textRuns(ts, trainPath, testPath, body[split:], lc)
	if err != nil {
		return err
	}
	m, spread := stats(accs)
	sec, _ := stats(secs)
	fmt.Printf("| %s | %d (%d) | %d | %.4f (%.1f%%) | %.4f | %.4f | %.4f | %.1f s |\n", ts.name, len(body), len(body)-split, b.classes,
		m, 100*spread, b.majority, b.naiveBayes, b.logistic, sec)
	return nil
}

// textScores are the baselines' test accuracies on a text set.
type textScores struct {
	classes                        int
	majority, naiveBayes, logistic float64
}

// textBaselines fits the baselines on the rows before split (label column
// lc, text column 1-lc) and scores them on the rows after.
func textBaselines(body [][]string, split, lc int) (textScores, error) {
	tc := 1 - lc
	classes := map[string]int{}
	var names []string
	for _, row := range body[:split] {
		if _, ok := classes[row[lc]]; !ok {
			classes[row[lc]] = 0
			names = append(names, row[lc])
		}
	}
	sort.Strings(names)
	for i, n := range names {
		classes[n] = i
	}
	counts := map[string]int{}
	for _, row := range body[:split] {
		for _, w := range words(row[tc]) {
			counts[w]++
		}
	}
	vocab := make([]string, 0, len(counts))
	for w := range counts {
		vocab = append(vocab, w)
	}
	sort.Slice(vocab, func(i, j int) bool {
		if counts[vocab[i]] != counts[vocab[j]] {
			return counts[vocab[i]] > counts[vocab[j]]
		}
		return vocab[i] < vocab[j]
	})
	if len(vocab) > 19998 {
		vocab = vocab[:19998]
	}
	index := map[string]int{}
	for i, w := range vocab {
		index[w] = i + 2 // 0 padding, 1 unknown, as TextVectorization
	}
	encode := func(rs [][]string) (docs [][]int, labels []int) {
		for _, row := range rs {
			var d []int
			for _, w := range words(row[tc]) {
				d = append(d, index[w]) // unknown words: 0, ignored
			}
			docs = append(docs, d)
			c, ok := classes[row[lc]]
			if !ok {
				c = -1
			}
			labels = append(labels, c)
		}
		return
	}
	trD, trL := encode(body[:split])
	teD, teL := encode(body[split:])
	maj, err := baseline.Majority(trL, len(names))
	if err != nil {
		return textScores{}, err
	}
	nb, err := baseline.FitNaiveBayes(trD, trL, len(names), len(vocab)+2, 1)
	if err != nil {
		return textScores{}, err
	}
	var sx []baseline.Sparse
	for _, d := range trD {
		sx = append(sx, baseline.BagOfWords(d))
	}
	lr, err := baseline.FitLogistic(sx, trL, len(vocab)+2, len(names), baseline.LogisticOptions{})
	if err != nil {
		return textScores{}, err
	}
	var pm, pn, pl []int
	for _, d := range teD {
		pm = append(pm, maj)
		pn = append(pn, nb.Predict(d))
		pl = append(pl, lr.Predict(baseline.BagOfWords(d)))
	}
	return textScores{classes: len(names), majority: baseline.Accuracy(pm, teL), naiveBayes: baseline.Accuracy(pn, teL),
		logistic: baseline.Accuracy(pl, teL)}, nil
}

// textRuns trains seqnet once per seed on trainPath and returns its test
// accuracies on test (label column lc) and the training times.
func (r *runner) textRuns(ts textSet, trainPath, testPath string, test [][]string, lc int) (accs, secs []float64, err error) {
	for _, seed := range r.seeds {
		model := filepath.Join(r.tmp, fmt.Sprintf("%s-%d.seqnet", ts.file, seed))
		start := time.Now()
		args := []string{"train", "--data", trainPath, "--text", "--target", ts.label, "--seed", strconv.Itoa(seed), "--no-curves", "--out", model}
		if _, err := r.run(append(args, r.extra...)...); err != nil {
			return nil, nil, err
		}
		secs = append(secs, time.Since(start).Seconds())
		out, err := r.run("predict", "--model", model, "--data", testPath)
		if err != nil {
			return nil, nil, err
		}
		got, err := textPredictions(out)
		if err != nil {
			return nil, nil, err
		}
		if len(got) != len(test) {
			return nil, nil, fmt.Errorf("%d predictions for %d test texts", len(got), len(test))
		}
		right := 0
		for i, g := range got {
			if g == test[i][lc] {
				right++
			}
		}
		accs = append(accs, float64(right)/float64(len(got)))
	}
	return accs, secs, nil
}

// textPredictions reads predict's CSV output: the predicted label is the
// column named "label" (or the second).
func textPredictions(out string) ([]string, error) {
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	col := 1
	for j, h := range rows[0] {
		if h == "label" || h == "predicted" {
			col = j
		}
	}
	var labels []string
	for _, row := range rows[1:] {
		labels = append(labels, row[col])
	}
	return labels, nil
}
