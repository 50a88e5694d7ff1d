package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/data"
)

func readSeriesTrain(d *settings, p *Pipeline, valSplit float64) (*Batch, error) {
	path, delim, header, fill, err := d.tableSettings()
	if err != nil {
		return nil, err
	}
	if d.Horizon < 0 || d.Stride < 1 || d.SamplingRate < 1 {
		return nil, inputErr("Options.Horizon must be ≥ 0 and Options.Stride, Options.SamplingRate ≥ 1; received %d, %d, %d", d.Horizon, d.Stride, d.SamplingRate)
	}
	if err := checkTimeOrder(path, delim, header, d.RowLabel); err != nil {
		return nil, err
	}
	features, targets := d.Features, SplitList(d.Target)
	t, rowLabel, notes, err := readSeriesTable(d, path, delim, header, fill, features, targets)
	if err != nil {
		return nil, err
	}
	s := t.Series()
	if len(targets) == 0 {
		targets = []string{s.Names[s.Cols()-1]}
	}
	for i, tg := range targets {
		j, err := s.ColumnIndex(tg)
		if err != nil {
			return nil, inputErr("Options.Target %q: %v", tg, err)
		}
		targets[i] = s.Names[j]
	}
	p.Delimiter, p.Header, p.Features, p.Fill, p.RowLabel = string(t.Delimiter), headerWord(t.HasHeader), t.FeatureNames, string(fill), rowLabel
	p.FillValues = fittedFill(t, fill)
	if w := fillWarnings(t, fill, true); w != "" {
		notes = append(notes, strings.TrimPrefix(w, "\n"))
	}
	if rowLabel != "" {
		if s, features, notes, err = seriesCalendar(d, p, t, s, features, notes); err != nil {
			return nil, err
		}
	}
	p.Task, p.Outputs = TaskRegression, targets
	wp := &Windowing{Window: d.Window, Horizon: d.Horizon, Stride: d.Stride, SamplingRate: d.SamplingRate, Inputs: features, Targets: targets}
	var kept []string
	for _, l := range strings.Split(t.Report(), "\n") {
		if !strings.Contains(l, "samples ×") {
			kept = append(kept, l)
		}
	}
	kept = append(kept, notes...)
	report := strings.Join(kept, "\n") + fmt.Sprintf("\n%d rows × %d columns (%s)", s.Rows, s.Cols(), shortList(s.Names, 12))
	scaled, scaling, err := scaleSeries(d, p, s, valSplit)
	if err != nil {
		return nil, err
	}
	w, err := data.MakeWindows(scaled, wp.options(true))
	if err != nil {
		return nil, asInput(err)
	}
	wp.Inputs = w.Inputs
	p.Windowing = wp
	ds := &Batch{RowName: "target_row", Report: report + scaling + "\n" + w.Describe()}
	for _, r := range w.TargetRows {
		ds.Rows = append(ds.Rows, rowName(s, r))
	}
	ds.Persistence = persistence(w)
	return ds, splitWindows(ds, w, s.Rows, valSplit)
}

// readSeriesTable reads a series' table: the feature columns (all when
// none are named) and the targets, with the row label given or sniffed
// (a date, year or index column); notes say what was sniffed.
func readSeriesTable(d *settings, path string, delim rune, header data.HeaderMode, fill data.FillPolicy, features, targets []string) (t *data.Table, rowLabel string, notes []string, err error) {
	cols := features
	if len(features) > 0 {
		// The target columns are read too (they are predicted, and may be
		// inputs as well).
		for _, t := range targets {
			found := false
			for _, f := range features {
				found = found || f == t
			}
			if !found {
				cols = append(cols, t)
			}
		}
	}
	rowLabel = d.RowLabel
	if rowLabel == "" && len(features) == 0 {
		// A date, year or index column is never silently a feature.
		col, what, err := sniffRowLabel(path, delim, header, targets, d.Ignore)
		if err != nil {
			return nil, "", nil, err
		}
		if col != "" {
			rowLabel = col
			notes = append(notes, fmt.Sprintf("column `%s` holds %s: used as the row label, not as a feature (Options.RowLabel to choose the row label, Options.Features to choose the inputs)", col, what))
		}
	}
	t, err = data.ReadCSVFile(path, data.CSVOptions{Delimiter: delim, Header: header, Features: cols, NoTarget: true,
		Ignore: d.Ignore, RowLabel: rowLabel, Fill: fill})
	if err != nil {
		return nil, "", nil, asInput(err)
	}
	return t, rowLabel, notes, nil
}

// seriesCalendar reads the spacing of the row labels and, unless
// Options.NoCalendar, adds the calendar columns to s (and to the named features).
func seriesCalendar(d *settings, p *Pipeline, t *data.Table, s *data.Series, features, notes []string) (*data.Series, []string, []string, error) {
	spacing, err := spacingOf(s, t.Lines)
	if err != nil {
		return nil, nil, nil, err
	}
	if spacing == "" {
		return s, features, notes, nil
	}
	notes = append(notes, fmt.Sprintf("rows: %s (row label `%s`)", spacing, p.RowLabel))
	if d.NoCalendar {
		return s, features, notes, nil
	}
	withCal, err := addCalendar(s, spacing)
	if err != nil {
		return nil, nil, nil, err
	}
	if added := withCal.Names[s.Cols():]; len(added) > 0 {
		p.Calendar = spacing
		if len(features) > 0 {
			features = append(append([]string(nil), features...), added...)
		}
		notes = append(notes, fmt.Sprintf("calendar features added as inputs: %s (Options.NoCalendar to leave them out)", strings.Join(added, ", ")))
	}
	return withCal, features, notes, nil
}

// scaleSeries fits Options.Scale on the training rows (the first 1-valSplit of
// them) and returns the scaled series and a report line (s itself and ""
// for "none").
func scaleSeries(d *settings, p *Pipeline, s *data.Series, valSplit float64) (*data.Series, string, error) {
	if d.Scale == "none" {
		return s, "", nil
	}
	split := splitAt(s.Rows, valSplit)
	if split == 0 {
		return nil, "", inputErr("Options.ValidationSplit = %g of %d rows leaves no rows to fit the scaler on: lower it", valSplit, s.Rows)
	}
	sc, err := data.FitScaler(d.Scale, s.Slice(0, split))
	if err != nil {
		return nil, "", asInput(err)
	}
	scaled, err := sc.Transform(s)
	if err != nil {
		return nil, "", err
	}
	scaled.RowLabels = s.RowLabels
	p.Scaler = sc
	return scaled, "\n" + sc.Describe() + " (fitted on the training rows only)", nil
}

// splitWindows splits windows by time: those whose target row is in the
// first rows (1-valSplit of them) train, the others validate (their inputs
// may reach back into training rows: the past).
func splitWindows(ds *Batch, w *data.Windows, rows int, valSplit float64) error {
	ds.X, ds.Y = w.X, w.Y
	if valSplit <= 0 {
		return nil
	}
	split := splitAt(rows, valSplit)
	nTrain := 0
	for nTrain < w.Len() && w.TargetRows[nTrain] < split {
		nTrain++
	}
	if nTrain == 0 || nTrain == w.Len() {
		return inputErr("Options.ValidationSplit = %g: the last %d of %d rows leave %d training and %d validation windows; both need at least one (lower Options.Window or change Options.ValidationSplit)",
			valSplit, rows-split, rows, nTrain, w.Len()-nTrain)
	}
	ds.X, ds.Y = w.X.Rows(0, nTrain), w.Y.Rows(0, nTrain)
	ds.ValX, ds.ValY = w.X.Rows(nTrain, w.Len()), w.Y.Rows(nTrain, w.Len())
	ds.Report += fmt.Sprintf("\nsplit by time: %d training windows (targets in rows before %d), %d validation windows (targets in rows %d–%d)",
		nTrain, split, w.Len()-nTrain, split, rows-1)
	return nil
}

// rowName is a series row's number, with its label (e.g. a date) if any.
func rowName(s *data.Series, r int) string {
	if r < len(s.RowLabels) {
		return s.RowLabels[r]
	}
	return strconv.Itoa(r)
}

// persistence returns, per window, the last input row's value of each
// target, or nil when some target is not an input.
func persistence(w *data.Windows) []float32 {
	nin := len(w.Inputs)
	var idx []int
	for _, t := range w.Targets {
		j := -1
		for k, in := range w.Inputs {
			if in == t {
				j = k
			}
		}
		if j < 0 {
			return nil
		}
		idx = append(idx, j)
	}
	steps := w.Options.Window
	out := make([]float32, 0, w.Len()*len(idx))
	for k := 0; k < w.Len(); k++ {
		for _, j := range idx {
			out = append(out, w.X.Data[(k*steps+steps-1)*nin+j])
		}
	}
	return out
}

func readSeriesApplied(d *settings, p *Pipeline, target bool, valSplit float64) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	opts := p.seriesOptions()
	if opts.Delimiter, opts.Header, err = p.fileLayout(d.Layout, path); err != nil {
		return nil, err
	}
	if err := checkTimeOrder(path, opts.Delimiter, opts.Header, p.RowLabel); err != nil {
		return nil, err
	}
	t, err := data.ReadCSVFile(path, opts)
	if err != nil {
		return nil, asInput(err)
	}
	return p.seriesBatch(t, target, valSplit)
}

// seriesBatch scales a series read with p.seriesOptions and cuts it into
// windows.
func (p *Pipeline) seriesBatch(t *data.Table, target bool, valSplit float64) (*Batch, error) {
	var err error
	s := t.Series()
	if p.Calendar != "" {
		if s, err = addCalendar(s, p.Calendar); err != nil {
			return nil, err
		}
	}
	scaled := s
	if p.Scaler != nil {
		if scaled, err = p.Scaler.Transform(s); err != nil {
			return nil, asInput(err)
		}
		scaled.RowLabels = s.RowLabels
	}
	w, err := data.MakeWindows(scaled, p.Windowing.options(target))
	if err != nil {
		return nil, asInput(err)
	}
	ds := &Batch{X: w.X, Y: w.Y, RowName: "target_row", Report: w.Describe()}
	o := w.Options
	for _, st := range w.Starts {
		r := st + (o.Window-1)*o.SamplingRate + o.Horizon
		name := strconv.Itoa(r)
		if r < len(s.RowLabels) {
			name = s.RowLabels[r]
		} else if len(s.RowLabels) > 0 {
			name = fmt.Sprintf("%s+%d", s.RowLabels[len(s.RowLabels)-1], r-s.Rows+1)
		}
		ds.Rows = append(ds.Rows, name)
	}
	if target {
		ds.Persistence = persistence(w)
		return ds, splitWindows(ds, w, s.Rows, valSplit)
	}
	return ds, nil
}
