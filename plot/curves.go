package plot

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named line of values, in order.
type Series struct {
	Name   string
	Values []float64
}

// LearningCurves draws a training history, one line per series, over
// epochs 1, 2, ... n, and writes it to path (".png" or ".svg").
//
// history maps a metric name to its value at each epoch, as Keras'
// History.history does: "loss", "val_loss", "accuracy", "val_accuracy",
// and so on. Every series must have the same, non-zero number of epochs.
// Series whose name contains "loss" go on one panel and all other metrics
// on a second panel below it, sharing the epoch axis; with only one kind
// there is one panel. A validation series ("val_x") is drawn dashed in the
// colour of its training series ("x"). NaN or infinite values (a diverged
// run) break the line and are counted in the legend.
func LearningCurves(path string, title string, history map[string][]float64) error {
	return learningCurves("LearningCurves", path, title, nil, history)
}

// LearningCurvesEpochs is LearningCurves with the epoch of each value
// given: epochs must be strictly increasing and every series needs one
// value per epoch. Use it for a resumed run (epochs 30, 31, ...) or to plot
// seqnet's model.History as is: LearningCurvesEpochs(path, title,
// h.Epochs, h.Metrics) (Keras numbers epochs from 0 in its history).
func LearningCurvesEpochs(path, title string, epochs []int, history map[string][]float64) error {
	const fn = "LearningCurvesEpochs"
	if _, err := imageFormat(path); err != nil {
		return err
	}
	if len(epochs) == 0 {
		return fmt.Errorf("plot: %s: epochs is empty; expected the epoch number of each value, e.g. []int{0, 1, 2}", fn)
	}
	if err := checkIncreasing(fn, epochs); err != nil {
		return err
	}
	return learningCurves(fn, path, title, epochs, history)
}

// checkIncreasing reports the first epoch that does not follow its
// predecessor.
func checkIncreasing(fn string, epochs []int) error {
	for i := 1; i < len(epochs); i++ {
		if epochs[i] <= epochs[i-1] {
			return fmt.Errorf("plot: %s: epochs must be strictly increasing, but epochs[%d]=%d follows epochs[%d]=%d", fn, i, epochs[i], i-1, epochs[i-1])
		}
	}
	return nil
}

// learningCurves draws history over epochs (1..n when epochs is nil).
func learningCurves(fn, path, title string, epochNums []int, history map[string][]float64) error {
	f, err := imageFormat(path)
	if err != nil {
		return err
	}
	names, epochs, err := historySeries(fn, epochNums, history)
	if err != nil {
		return err
	}
	lossBases, metricBases := curveBases(names)
	xs := seqX(epochs, 1)
	for i, e := range epochNums {
		xs[i] = float64(e)
	}
	var panels []panel
	if len(lossBases) > 0 {
		panels = append(panels, curvePanel(history, lossBases, xs, "loss", 0, f))
	}
	if len(metricBases) > 0 {
		label := "metric"
		if allContain(metricBases, "acc") {
			label = "accuracy"
		}
		panels = append(panels, curvePanel(history, metricBases, xs, label, len(lossBases), f))
	}
	panels[0].p.Title.Text = title
	h := vg.Inch * 4.8
	if len(panels) == 2 {
		panels[0].p.X.Label.Text = "" // the panels share the epoch axis
		h = vg.Inch * 7.6
	}
	return render(path, 8*vg.Inch, h, func(dc draw.Canvas) { drawColumn(dc, panels...) })
}

// historySeries checks that history has series of one value per epoch
// (len(epochNums) of them when given) and returns their sorted names and
// the number of epochs.
func historySeries(fn string, epochNums []int, history map[string][]float64) ([]string, int, error) {
	if len(history) == 0 {
		return nil, 0, fmt.Errorf("plot: %s: history is empty; expected series such as \"loss\" and \"val_loss\" with one value per epoch", fn)
	}
	names := make([]string, 0, len(history))
	for name := range history {
		names = append(names, name)
	}
	sort.Strings(names)
	epochs := -1
	first := ""
	if epochNums != nil {
		epochs, first = len(epochNums), "epochs"
	}
	for _, name := range names {
		n := len(history[name])
		if n == 0 {
			return nil, 0, fmt.Errorf("plot: %s: series %q has no values; expected one value per epoch (drop the series or record it during training)", fn, name)
		}
		if epochs < 0 {
			epochs, first = n, name
		} else if n != epochs {
			return nil, 0, fmt.Errorf("plot: %s: series %q has %d values but %q has %d; every series needs one value per epoch", fn, name, n, first, epochs)
		}
	}
	return names, epochs, nil
}

// curveBases groups train/validation pairs by base name and splits losses
// from other metrics: "loss" itself first, then the rest alphabetically.
func curveBases(names []string) (lossBases, metricBases []string) {
	seen := map[string]bool{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "val_")
		if seen[base] {
			continue
		}
		seen[base] = true
		if strings.Contains(strings.ToLower(base), "loss") {
			lossBases = append(lossBases, base)
		} else {
			metricBases = append(metricBases, base)
		}
	}
	sort.SliceStable(lossBases, func(i, j int) bool { return lossBases[i] == "loss" && lossBases[j] != "loss" })
	return lossBases, metricBases
}

// curvePanel draws the series of bases (and their val_ pairs, dashed) over
// the epochs xs, colours from color0.
func curvePanel(history map[string][]float64, bases []string, xs []float64, ylabel string, color0 int, f format) panel {
	epochs := len(xs)
	p := newPlot("", "epoch", ylabel)
	p.X.Tick.Marker = niceTicks{integer: true}
	p.Y.Tick.Marker = niceTicks{}
	var pts []plotter.XYs
	for i, base := range bases {
		style := lineStyleFor(color0 + i)
		for _, name := range []string{base, "val_" + base} {
			ys, ok := history[name]
			if !ok {
				continue
			}
			s := style
			if name != base {
				s.Dashes = dashesVal
			}
			xy, _ := addLine(p, name, xs, ys, s, lineChunk(f))
			pts = append(pts, xy)
		}
	}
	p.X.Min, p.X.Max = xs[0], xs[epochs-1]
	if epochs == 1 {
		p.X.Min, p.X.Max = xs[0]-0.5, xs[0]+0.5
	}
	padY(p)
	free := placeLegend(p, pts)
	return panel{p: p, height: 1, legendOutside: !free}
}

func allContain(names []string, sub string) bool {
	for _, n := range names {
		if !strings.Contains(strings.ToLower(n), sub) {
			return false
		}
	}
	return true
}

// WeightTrajectories draws how weights move during training, as in the
// tutorial's "print the convolution weights every 20th epoch", and writes
// it to path (".png" or ".svg").
//
// epochs are the (strictly increasing) epochs at which the weights were
// recorded; each series in weights holds one value per recorded epoch.
// targets, if given, are drawn as dashed horizontal reference lines (the
// weights training should find, e.g. 1 and 2). When there are as many
// targets as series, target i is drawn in the colour of series i;
// otherwise targets are drawn in grey. Series without a name are called
// w[0], w[1], ...
func WeightTrajectories(path, title string, epochs []int, weights []Series, targets ...float64) error {
	f, err := imageFormat(path)
	if err != nil {
		return err
	}
	if len(epochs) == 0 {
		return fmt.Errorf("plot: WeightTrajectories: epochs is empty; expected the epoch number of each recorded snapshot, e.g. []int{0, 20, 40}")
	}
	if err := checkIncreasing("WeightTrajectories", epochs); err != nil {
		return err
	}
	if len(weights) == 0 {
		return fmt.Errorf("plot: WeightTrajectories: weights is empty; expected at least one Series with one value per epoch")
	}
	for i, s := range weights {
		if len(s.Values) != len(epochs) {
			return fmt.Errorf("plot: WeightTrajectories: series %d (%q) has %d values but there are %d epochs; give one value per recorded epoch", i, s.Name, len(s.Values), len(epochs))
		}
	}
	if err := checkFinite("WeightTrajectories: targets", targets); err != nil {
		return err
	}

	xs := make([]float64, len(epochs))
	for i, e := range epochs {
		xs[i] = float64(e)
	}
	p := newPlot(title, "epoch", "weight value")
	p.X.Tick.Marker = niceTicks{integer: true}
	p.Y.Tick.Marker = niceTicks{}
	var pts []plotter.XYs
	names := make([]string, len(weights))
	for i, s := range weights {
		names[i] = s.Name
		if names[i] == "" {
			names[i] = fmt.Sprintf("w[%d]", i)
		}
		style := lineStyleFor(i)
		xy, _ := addLine(p, names[i], xs, s.Values, style, lineChunk(f))
		pts = append(pts, xy)
		if len(xy) <= 60 {
			// Mark the snapshots themselves: the line between them is
			// only a guide for the eye.
			dots, _ := plotter.NewScatter(xy)
			dots.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
			p.Add(dots)
		}
	}
	x0, x1 := xs[0], xs[len(xs)-1]
	if x0 == x1 {
		x0, x1 = x0-0.5, x1+0.5
	}
	for i, t := range targets {
		style := draw.LineStyle{Color: referenceColor, Width: vg.Points(1.2), Dashes: dashesReference}
		label := fmt.Sprintf("target %s", fmtNum(t))
		if len(targets) == len(weights) {
			style.Color = lineStyleFor(i).Color
			label = fmt.Sprintf("target %s = %s", names[i], fmtNum(t))
		}
		xy := plotter.XYs{{X: x0, Y: t}, {X: x1, Y: t}}
		l := &plotter.Line{XYs: xy, LineStyle: style}
		p.Add(l)
		p.Legend.Add(label, l)
		pts = append(pts, xy)
	}
	p.X.Min, p.X.Max = x0, x1
	padY(p)
	free := placeLegend(p, pts)
	return render(path, 8*vg.Inch, 4.8*vg.Inch, func(dc draw.Canvas) {
		drawColumn(dc, panel{p: p, height: 1, legendOutside: !free})
	})
}

// fmtNum formats v compactly for labels: 1, 2.5, 0.0031, 1.2e+06.
func fmtNum(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e6 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
