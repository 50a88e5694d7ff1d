package plot

import (
	"fmt"
	"image/color"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLearningCurvesSVGHasOneLinePerSeries(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	const epochs = 23
	h := testHistory(r, epochs, "loss", "val_loss", "accuracy", "val_accuracy", "auc")
	file := tempFile(t, "curves.svg")
	if err := LearningCurves(file, "run 1", h); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, file)
	lines := doc.allDataLines(3)
	if len(lines) != len(h) {
		t.Fatalf("found %d data lines, want %d (one per series)", len(lines), len(h))
	}
	for _, l := range lines {
		if l.points != epochs {
			t.Errorf("a data line has %d points, want %d (one per epoch)", l.points, epochs)
		}
	}
	// Losses first (colour 0), then the metrics panel: accuracy (1), auc (2).
	// Each validation series is dashed in its training series' colour.
	for i, want := range []struct{ solid, dashed int }{{1, 1}, {1, 1}, {1, 0}} {
		var solid, dashed int
		for _, l := range doc.dataLines(seriesColors[i], 3) {
			if l.dash != "" {
				dashed++
			} else {
				solid++
			}
		}
		if solid != want.solid || dashed != want.dashed {
			t.Errorf("colour %d: %d solid and %d dashed lines, want %d and %d", i, solid, dashed, want.solid, want.dashed)
		}
	}
	texts := strings.Join(doc.texts, "|")
	for _, want := range []string{"run 1", "loss", "val_loss", "val_accuracy", "auc", "epoch", "metric"} {
		if !strings.Contains(texts, want) {
			t.Errorf("SVG text lacks %q (texts: %s)", want, texts)
		}
	}
	onlyFiles(t, filepath.Dir(file), "curves.svg")
}

func TestLearningCurvesPNG(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	// 150 epochs: long enough that PNG lines are stroked in pieces.
	h := testHistory(r, 150, "loss", "val_loss", "accuracy", "val_accuracy")
	file := tempFile(t, "curves.PNG") // extension case does not matter
	if err := LearningCurves(file, "two panels", h); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, file, px(8), px(7.6))
	distinct, ink, matches := pngStats(img, seriesColors[:2])
	if distinct < 20 {
		t.Errorf("only %d distinct colours: the picture looks blank", distinct)
	}
	if ink < 0.01 {
		t.Errorf("only %.2f%% of the centre is not white: the plot area looks empty", 100*ink)
	}
	for i, n := range matches {
		if n < 200 {
			t.Errorf("series colour %d appears in %d pixels, want hundreds (lines missing?)", i, n)
		}
	}
	// Every pixel column of the data area holds both series colours: the
	// lines run the whole width without gaps.
	b := img.Bounds()
	var cols [2][]bool
	for i := range cols {
		cols[i] = make([]bool, b.Dx())
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			for i := range cols {
				if c == seriesColors[i] {
					cols[i][x-b.Min.X] = true
				}
			}
		}
	}
	for i := range cols {
		first, last, gaps := -1, -1, 0
		for x, ok := range cols[i] {
			if ok {
				if first < 0 {
					first = x
				}
				last = x
			}
		}
		for x := first; x <= last; x++ {
			if !cols[i][x] {
				gaps++
			}
		}
		if last-first < b.Dx()*3/4 || gaps > (last-first)/50 {
			t.Errorf("colour %d spans columns %d..%d of %d with %d empty columns", i, first, last, b.Dx(), gaps)
		}
	}
}

func TestLearningCurvesSinglePanelAndOddCases(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	// Losses only: one panel.
	file := tempFile(t, "loss.png")
	if err := LearningCurves(file, "", testHistory(r, 5, "loss")); err != nil {
		t.Fatal(err)
	}
	readPNG(t, file, px(8), px(4.8))

	// One epoch, and a diverged run with NaN and Inf: no error, the
	// legend says what was skipped, the finite stretches are drawn.
	h := map[string][]float64{"loss": {0.7}}
	if err := LearningCurves(tempFile(t, "one.svg"), "one epoch", h); err != nil {
		t.Fatal(err)
	}
	h = map[string][]float64{"loss": {1, 0.8, 0.7, 0.6, math.NaN(), math.Inf(1), 3, 2.5, 2, 1.5}}
	file = tempFile(t, "nan.svg")
	if err := LearningCurves(file, "diverged", h); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, file)
	lines := doc.dataLines(seriesColors[0], 3)
	if len(lines) != 2 || lines[0].points+lines[1].points != 8 {
		t.Fatalf("got %d line pieces, want 2 with 8 points between them: %+v", len(lines), lines)
	}
	if !strings.Contains(strings.Join(doc.texts, "|"), "2 non-finite skipped") {
		t.Errorf("legend does not mention the skipped values: %v", doc.texts)
	}
}

func TestLearningCurvesEpochs(t *testing.T) {
	r := rand.New(rand.NewSource(18))
	epochs := []int{30, 31, 32, 33, 34, 35, 36} // a resumed run
	h := testHistory(r, len(epochs), "loss", "val_loss")
	file := tempFile(t, "resumed.svg")
	if err := LearningCurvesEpochs(file, "resumed", epochs, h); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, file)
	if n := len(doc.allDataLines(3)); n != 2 {
		t.Fatalf("%d data lines, want 2", n)
	}
	// The epoch axis is labelled with the given epochs, not 1..n.
	texts := "|" + strings.Join(doc.texts, "|") + "|"
	for _, want := range []string{"|30|", "|36|"} {
		if !strings.Contains(texts, want) {
			t.Errorf("axis lacks tick %s: %s", want, texts)
		}
	}
	if strings.Contains(texts, "|1|") {
		t.Errorf("axis still counts from 1: %s", texts)
	}
}

func TestWeightTrajectories(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	epochs := []int{0, 20, 40, 60, 80, 100, 120}
	ws := make([]Series, 3)
	for i := range ws {
		ws[i].Values = make([]float64, len(epochs))
		for k := range epochs {
			ws[i].Values[k] = float64(i+1)*(1-math.Exp(-float64(k)/2)) + 0.05*r.NormFloat64()
		}
	}
	ws[1].Name = "bias"
	file := tempFile(t, "w.svg")
	if err := WeightTrajectories(file, "weights", epochs, ws, 1, 2, 3); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, file)
	for i := range ws {
		lines := doc.dataLines(seriesColors[i], 3)
		var solid, refs int
		for _, l := range lines {
			if l.dash == "" && l.points == len(epochs) {
				solid++
			}
		}
		for _, p := range doc.paths {
			// Target lines (and their legend thumbnails) are two-point dashed
			// lines in the series' colour.
			if p.stroke == hexColor(seriesColors[i]) && p.dash != "" && p.points == 2 {
				refs++
			}
		}
		if solid != 1 || refs != 2 {
			t.Errorf("series %d: %d trajectories and %d target paths, want 1 and 2", i, solid, refs)
		}
	}
	texts := strings.Join(doc.texts, "|")
	for _, want := range []string{"w[0]", "bias", "w[2]", "target bias = 2", "target w[2] = 3"} {
		if !strings.Contains(texts, want) {
			t.Errorf("SVG text lacks %q (texts: %s)", want, texts)
		}
	}

	// Targets that do not pair with the series are drawn in grey.
	file = tempFile(t, "w.png")
	if err := WeightTrajectories(file, "weights", epochs, ws[:2], 0.5); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, file, px(8), px(4.8))
	_, _, m := pngStats(img, []color.RGBA{seriesColors[0], seriesColors[1], referenceColor})
	for i, n := range m {
		if n < 50 {
			t.Errorf("colour %d appears in only %d pixels", i, n)
		}
	}
}

func TestAttributionHeatmapSVG(t *testing.T) {
	r := rand.New(rand.NewSource(15))
	const steps, channels = 37, 5
	series := randMatrix(r, steps, channels)
	attr := randMatrix(r, steps, channels)
	attr[3][1] = 0 // exactly neutral
	file := tempFile(t, "attr.svg")
	if err := AttributionHeatmap(file, "saliency <&>", series, attr, []string{"a", "b", "c", "d", "e"}); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, file)
	if n := len(doc.allDataLines(3)); n != channels {
		t.Errorf("%d input lines, want %d (one per channel)", n, channels)
	}
	cells := doc.cellFills()
	if len(cells) != steps*channels {
		t.Fatalf("%d heatmap cells, want %d", len(cells), steps*channels)
	}
	// Cells are drawn step by step, channel by channel: red for positive,
	// blue for negative, grey for zero, and darker for larger |value|.
	for k, c := range cells {
		i, j := k/channels, channels-1-k%channels // channel 0 is the top row
		v := attr[i][j]
		red, _, blue := parseHex(t, c)
		switch {
		case v > 0 && red <= blue, v < 0 && blue <= red, v == 0 && red != blue:
			t.Errorf("cell step %d channel %d = %.3f has colour %s", i, j, v, c)
		}
	}
	if doc.images != 1 {
		t.Errorf("%d embedded images, want 1 (the colour bar)", doc.images)
	}
	texts := strings.Join(doc.texts, "|")
	for _, want := range []string{"saliency <&>", "step", "channel", "a", "e", "attribution"} {
		if !strings.Contains(texts, want) {
			t.Errorf("SVG text lacks %q", want)
		}
	}
}

func TestAttributionHeatmapPNGAndLargeGrids(t *testing.T) {
	r := rand.New(rand.NewSource(16))
	series := randMatrix(r, 50, 3)
	attr := randMatrix(r, 50, 3)
	file := tempFile(t, "attr.png")
	if err := AttributionHeatmap(file, "grad×input", series, attr, nil); err != nil {
		t.Fatal(err)
	}
	heatH := 1.6
	img := readPNG(t, file, px(9), px(3+heatH+0.75+0.3))
	distinct, ink, _ := pngStats(img, nil)
	if distinct < 50 || ink < 0.2 {
		t.Errorf("%d colours, %.1f%% ink in the centre: too blank for a heatmap", distinct, 100*ink)
	}
	// A big SVG heatmap is embedded as an image rather than 21000 paths;
	// so many channels get no legend.
	big := randMatrix(r, 700, 30)
	file = tempFile(t, "big.svg")
	if err := AttributionHeatmap(file, "", big, big, nil); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, file)
	raw, _ := os.ReadFile(file)
	// gonum labels embedded PNGs as image/jpg and lets viewers keep their
	// aspect ratio; render fixes both.
	if n := strings.Count(string(raw), `preserveAspectRatio="none"`); n != 2 || strings.Contains(string(raw), "image/jpg") ||
		strings.Count(string(raw), `xlink:href="data:image/png;base64,iVBOR`) != 2 {
		t.Errorf("embedded images not repaired: %d with preserveAspectRatio=none, image/jpg present: %v", n, strings.Contains(string(raw), "image/jpg"))
	}
	if doc.images != 2 || len(doc.cellFills()) != 0 {
		t.Errorf("big heatmap: %d images and %d cell paths, want 2 images (heatmap, colour bar) and no cells", doc.images, len(doc.cellFills()))
	}
	// All-zero attribution must not divide by zero.
	zero := make([][]float64, 4)
	for i := range zero {
		zero[i] = make([]float64, 2)
	}
	if err := AttributionHeatmap(tempFile(t, "zero.svg"), "", randMatrix(r, 4, 2), zero, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFilterWeights(t *testing.T) {
	r := rand.New(rand.NewSource(17))
	kernel := randMatrix(r, 7, 4)
	file := tempFile(t, "filter.svg")
	if err := FilterWeights(file, "filter 2", kernel, "A", "C", "G", "T"); err != nil {
		t.Fatal(err)
	}
	doc := readSVG(t, file)
	cells := doc.cellFills()
	if len(cells) != 7*4 {
		t.Fatalf("%d cells, want 28", len(cells))
	}
	m := maxAbs(kernel)
	for k, c := range cells {
		v := kernel[k/4][3-k%4]
		red, green, blue := parseHex(t, c)
		if (v > 0) != (red > blue) {
			t.Errorf("weight %.3f drawn as %s", v, c)
		}
		// The strongest weight is the darkest cell.
		if math.Abs(v) == m && green > 60 {
			t.Errorf("strongest weight %.3f drawn as %s, want a saturated colour", v, c)
		}
	}
	// Each weight is printed in its cell.
	texts := strings.Join(doc.texts, "|")
	for _, row := range kernel {
		for _, v := range row {
			if s := fmt.Sprintf("%.3g", v); !strings.Contains(texts, s) {
				t.Errorf("cell label %s missing", s)
			}
		}
	}
	file = tempFile(t, "filter.png")
	if err := FilterWeights(file, "filter 2", kernel); err != nil {
		t.Fatal(err)
	}
	if _, ink, _ := pngStats(readPNG(t, file, px(7*0.6+1.6), px(4*0.6+0.75+1.1)), nil); ink < 0.3 {
		t.Errorf("only %.1f%% ink in the centre of a heatmap", 100*ink)
	}
}

func TestErrorsSayWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	ok := map[string][]float64{"loss": {1, 0.5}}
	grid := [][]float64{{1, 2}, {3, 4}}
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"unknown extension", LearningCurves(p("a.jpg"), "", ok), []string{`".jpg"`, ".png or .svg"}},
		{"no extension", LearningCurves(p("a"), "", ok), []string{"no extension", "a.png"}},
		{"empty path", LearningCurves("", "", ok), []string{"empty output path"}},
		{"empty history", LearningCurves(p("a.png"), "", nil), []string{"history is empty"}},
		{"empty series", LearningCurves(p("a.png"), "", map[string][]float64{"loss": {}}), []string{`"loss" has no values`}},
		{"mismatched epochs", LearningCurves(p("a.png"), "", map[string][]float64{"loss": {1, 2}, "val_loss": {1, 2, 3}}), []string{`"val_loss" has 3 values`, `"loss" has 2`}},
		{"epochs vs history", LearningCurvesEpochs(p("a.png"), "", []int{3, 4, 5}, ok), []string{`"loss" has 2 values but "epochs" has 3`}},
		{"history epochs order", LearningCurvesEpochs(p("a.png"), "", []int{3, 2}, ok), []string{"strictly increasing", "epochs[1]=2 follows epochs[0]=3"}},
		{"history no epochs", LearningCurvesEpochs(p("a.png"), "", nil, ok), []string{"epochs is empty"}},
		{"no epochs", WeightTrajectories(p("w.png"), "", nil, []Series{{"a", nil}}), []string{"epochs is empty"}},
		{"epochs not increasing", WeightTrajectories(p("w.png"), "", []int{0, 20, 20}, []Series{{"a", []float64{1, 2, 3}}}), []string{"strictly increasing", "epochs[2]=20"}},
		{"no weights", WeightTrajectories(p("w.png"), "", []int{0}, nil), []string{"weights is empty"}},
		{"weights length", WeightTrajectories(p("w.png"), "", []int{0, 1}, []Series{{"w", []float64{1}}}), []string{`("w") has 1 values but there are 2 epochs`}},
		{"NaN target", WeightTrajectories(p("w.png"), "", []int{0}, []Series{{"w", []float64{1}}}, math.NaN()), []string{"targets[0] is NaN"}},
		{"empty series matrix", AttributionHeatmap(p("h.png"), "", nil, grid, nil), []string{"series is empty"}},
		{"ragged attribution", AttributionHeatmap(p("h.png"), "", grid, [][]float64{{1, 2}, {3}}, nil), []string{"attribution is ragged", "row 1 has 1 values but row 0 has 2"}},
		{"shape mismatch", AttributionHeatmap(p("h.png"), "", grid, [][]float64{{1, 2}, {3, 4}, {5, 6}}, nil), []string{"3 steps × 2 channels", "series is 2 × 2"}},
		{"channel names", AttributionHeatmap(p("h.png"), "", grid, grid, []string{"x"}), []string{"1 channel names for 2 channels"}},
		{"infinite series", AttributionHeatmap(p("h.png"), "", [][]float64{{1, math.Inf(-1)}}, [][]float64{{1, 2}}, nil), []string{"series[0][1] is -Inf"}},
		{"heatmap extension", AttributionHeatmap(p("h.pdf"), "", grid, grid, nil), []string{`".pdf"`}},
		{"empty kernel row", FilterWeights(p("f.png"), "", [][]float64{{}}), []string{"kernel[0] is empty"}},
		{"kernel names", FilterWeights(p("f.png"), "", grid, "A", "C", "G"), []string{"3 channel names for 2 channels"}},
		{"no tokens", TokenHTML(p("t.html"), "", nil, nil, ""), []string{"tokens is empty"}},
		{"scores length", TokenHTML(p("t.html"), "", []string{"a", "b"}, []float64{1}, ""), []string{"2 tokens but 1 scores"}},
		{"NaN score", TokenHTML(p("t.html"), "", []string{"a"}, []float64{math.NaN()}, ""), []string{"scores[0] is NaN"}},
		{"html extension", TokenHTML(p("t.txt"), "", []string{"a"}, []float64{1}, ""), []string{`".txt"`, ".html"}},
		{"no filters", FilterReportHTML(p("r.html"), nil), []string{"filters is empty"}},
		{"ngram lengths", FilterReportHTML(p("r.html"), []FilterNgrams{{Filter: 4, Ngrams: []string{"ab", "cd"}, Activations: []float64{1}}}), []string{"filter 4", "2 n-grams but 1 activations"}},
		{"missing directory", LearningCurves(filepath.Join(dir, "nope", "a.png"), "", ok), []string{"cannot create a file in", "nope"}},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(c.err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, c.err, w)
			}
		}
		if !strings.HasPrefix(c.err.Error(), "plot: ") {
			t.Errorf("%s: error %q lacks the package prefix", c.name, c.err)
		}
	}
	// Nothing was written by the failing calls.
	onlyFiles(t, dir)
}

func TestOverwriteIsAtomic(t *testing.T) {
	file := tempFile(t, "c.png")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A failing call leaves the old file untouched.
	if err := LearningCurves(file, "", map[string][]float64{"loss": {}}); err == nil {
		t.Fatal("no error for an empty series")
	}
	if b, _ := os.ReadFile(file); string(b) != "old" {
		t.Fatalf("failed call changed the file to %q", b)
	}
	if err := LearningCurves(file, "", map[string][]float64{"loss": {3, 2, 1.5}}); err != nil {
		t.Fatal(err)
	}
	readPNG(t, file, px(8), px(4.8))
	onlyFiles(t, filepath.Dir(file), "c.png")
}

// Extreme but possible inputs draw something instead of failing or
// hanging: all NaN, values near the float64 limit, flat series, a single
// snapshot, a 1e30 loss spike.
func TestExtremeValues(t *testing.T) {
	nan := math.NaN()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	checks := []struct {
		name string
		err  error
	}{
		{"all NaN", LearningCurves(p("a.png"), "", map[string][]float64{"loss": {nan, nan, nan}})},
		{"near MaxFloat64", LearningCurves(p("b.png"), "", map[string][]float64{"loss": {-1e308, 1e308, 0}})},
		{"spike", LearningCurves(p("c.svg"), "", map[string][]float64{"loss": {1, 1e30, 0.5, 0.4}})},
		{"flat", LearningCurves(p("d.png"), "", map[string][]float64{"loss": {0, 0, 0}})},
		{"tiny span", LearningCurves(p("e.png"), "", map[string][]float64{"loss": {1e6, 1e6 + 1e-9, 1e6}})},
		{"one snapshot", WeightTrajectories(p("f.png"), "", []int{5}, []Series{{"a", []float64{1}}}, 2)},
		{"huge kernel", FilterWeights(p("g.png"), "", [][]float64{{1e308, -1e308}})},
		{"huge attribution", AttributionHeatmap(p("h.svg"), "", [][]float64{{1e308}, {-1e308}}, [][]float64{{1e308}, {-1e308}}, nil)},
	}
	for _, c := range checks {
		if c.err != nil {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
	readPNG(t, p("b.png"), px(8), px(4.8))
	readSVG(t, p("h.svg"))
}

func TestNiceTicks(t *testing.T) {
	r := rand.New(rand.NewSource(19))
	for k := 0; k < 2000; k++ {
		lo := (r.Float64() - 0.5) * math.Pow(10, float64(r.Intn(12)-4))
		hi := lo + r.ExpFloat64()*math.Pow(10, float64(r.Intn(12)-6))
		integer := k%2 == 0
		ticks := niceTicks{integer: integer}.Ticks(lo, hi)
		labelled := 0
		for _, tk := range ticks {
			if tk.Label == "" {
				continue
			}
			labelled++
			if integer && tk.Value != math.Round(tk.Value) && hi > lo {
				t.Fatalf("integer ticks for [%g, %g] label %g", lo, hi, tk.Value)
			}
			if hi > lo && (tk.Value < lo-1e-9*(hi-lo) || tk.Value > hi+1e-9*(hi-lo)) && labelled > 2 {
				t.Fatalf("tick %g outside [%g, %g]", tk.Value, lo, hi)
			}
		}
		if len(ticks) > 600 || labelled > 50 {
			t.Fatalf("[%g, %g]: %d ticks, %d labelled", lo, hi, len(ticks), labelled)
		}
		if !integer && hi-lo > 1e-9*math.Abs(lo) && labelled < 2 {
			t.Fatalf("[%g, %g]: only %d labelled ticks", lo, hi, labelled)
		}
	}
}
