package pipeline

import (
	"fmt"
	"math"
	"strings"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/tensor"
)

// tableSettings checks and parses the flags every CSV reader shares: the
// file, its delimiter, header and fill policy, and the scaling.
func (d *settings) tableSettings() (path string, delim rune, header data.HeaderMode, fill data.FillPolicy, err error) {
	if path, err = d.dataPath(); err != nil {
		return
	}
	if delim, err = parseDelimiter("Options.Delimiter", d.Delimiter); err != nil {
		return
	}
	if header, err = parseHeader("Options.Header", d.Header); err != nil {
		return
	}
	if fill, err = fillPolicy(d.Fill); err != nil {
		return
	}
	err = checkScale(d.Scale)
	return
}

func readCSVTrain(d *settings, p *Pipeline, valSplit float64) (*Batch, error) {
	path, delim, header, fill, err := d.tableSettings()
	if err != nil {
		return nil, err
	}
	rowLabel, note, err := tableRowLabel(d, path, delim, header)
	if err != nil {
		return nil, err
	}
	t, err := data.ReadCSVFile(path, data.CSVOptions{Delimiter: delim, Header: header, Features: d.Features,
		Target: d.Target, Ignore: d.Ignore, RowLabel: rowLabel, Classes: d.Classes, Fill: fill})
	if err != nil {
		return nil, asInput(err)
	}
	p.Delimiter, p.Header, p.Features, p.Target, p.Fill = string(t.Delimiter), headerWord(t.HasHeader), t.FeatureNames, t.TargetName, string(fill)
	p.RowLabel = rowLabel
	p.FillValues = fittedFill(t, fill)
	ds := &Batch{Report: t.Report() + fillWarnings(t, fill, false)}
	if note != "" {
		ds.Report += "\n" + note
	}
	ds.nameRows(t, rowLabel)
	if t.Labels != nil {
		if err := classTask(p, t.Labels, "target column `"+t.TargetName+"`"); err != nil {
			return nil, err
		}
		ds.Y = classTarget(p.Task, t.YTensor())
	} else {
		p.Task, p.Outputs = TaskRegression, []string{t.TargetName}
		ds.Y = t.YTensor()
	}
	ds.X = t.XTensor()
	if d.Scale != "none" {
		s := t.Series()
		split := splitAt(s.Rows, valSplit)
		if split == 0 {
			return nil, inputErr("Options.ValidationSplit = %g of %d rows leaves no rows to fit the scaler on: lower it", valSplit, s.Rows)
		}
		sc, err := data.FitScaler(d.Scale, s.Slice(0, split))
		if err != nil {
			return nil, asInput(err)
		}
		scaled, err := sc.Transform(s)
		if err != nil {
			return nil, err
		}
		p.Scaler, ds.X = sc, scaled.RowTensor()
		ds.Report += "\n" + sc.Describe()
		if p.Task == TaskRegression {
			ys, err := data.NewSeries(p.Outputs, append([]float32(nil), ds.Y.Data...))
			if err != nil {
				return nil, err
			}
			tsc, err := data.FitScaler(d.Scale, ys.Slice(0, split))
			if err != nil {
				return nil, asInput(err)
			}
			if ds.Y, err = scaleTarget(tsc, p.Outputs, ds.Y); err != nil {
				return nil, err
			}
			p.TargetScaler = tsc
			ds.Report += "\ntarget: " + tsc.Describe() + " (predictions are scaled back)"
		}
	}
	return ds, nil
}

func readCSVApplied(d *settings, p *Pipeline, target bool) (*Batch, error) {
	path, err := d.dataPath()
	if err != nil {
		return nil, err
	}
	opts := p.tableOptions(target)
	if opts.Delimiter, opts.Header, err = p.fileLayout(d.Layout, path); err != nil {
		return nil, err
	}
	t, err := data.ReadCSVFile(path, opts)
	if err != nil {
		return nil, asInput(err)
	}
	return p.tableBatch(t, target)
}

// tableBatch applies the stored scalers to a table read with
// p.tableOptions.
func (p *Pipeline) tableBatch(t *data.Table, target bool) (*Batch, error) {
	var err error
	if err := p.numericTarget(t, target); err != nil {
		return nil, err
	}
	ds := &Batch{Report: t.Describe()}
	ds.nameRows(t, p.RowLabel)
	ds.X = t.XTensor()
	if p.Scaler != nil {
		scaled, err := p.Scaler.Transform(t.Series())
		if err != nil {
			return nil, asInput(err)
		}
		ds.X = scaled.RowTensor()
	}
	if target {
		if p.Labels != nil {
			ds.Y = classTarget(p.Task, t.YTensor())
		} else if ds.Y = t.YTensor(); p.TargetScaler != nil {
			if ds.Y, err = scaleTarget(p.TargetScaler, p.Outputs, ds.Y); err != nil {
				return nil, asInput(err)
			}
		}
	}
	return ds, nil
}

// scaleTarget returns a scaled copy of y.
func scaleTarget(sc *data.Scaler, names []string, y *tensor.Tensor) (*tensor.Tensor, error) {
	out := y.Clone()
	if err := sc.TransformValues(names, out.Data); err != nil {
		return nil, err
	}
	return out, nil
}

// nameRows names each sample by its row label (e.g. an id column given
// with Options.RowLabel) or else its line in the file.
func (ds *Batch) nameRows(t *data.Table, rowLabel string) {
	if rowLabel != "" && len(t.RowLabels) == len(t.Lines) {
		ds.RowName, ds.Rows = rowLabel, t.RowLabels
		return
	}
	ds.RowName, ds.Rows = "line", lineNames(t.Lines)
}

func storedCSVOptions(p *Pipeline) data.CSVOptions {
	var o data.CSVOptions
	if r := []rune(p.Delimiter); len(r) == 1 {
		o.Delimiter = r[0]
	}
	switch p.Header {
	case "yes":
		o.Header = data.HeaderYes
	case "no":
		o.Header = data.HeaderNo
	}
	o.Fill = data.FillPolicy(p.Fill)
	o.FillValues = p.FillValues
	o.RowLabel = p.RowLabel
	return o
}

// tableOptions reads a CSV table as training read it, with the target
// column when target.
func (p *Pipeline) tableOptions(target bool) data.CSVOptions {
	opts := storedCSVOptions(p)
	opts.Features, opts.Target, opts.NoTarget = p.Features, p.Target, !target
	if target {
		opts.Labels = p.Labels
		opts.Classes = p.Labels != nil
	}
	return opts
}

// seriesOptions reads a time series as training read it.
func (p *Pipeline) seriesOptions() data.CSVOptions {
	opts := storedCSVOptions(p)
	opts.Features, opts.NoTarget = p.Features, true
	return opts
}

// fittedFill returns the fill values to store: the training file's column
// means (mean) or last values (previous); nil for other policies.
func fittedFill(t *data.Table, fill data.FillPolicy) map[string]float64 {
	if fill != data.FillMean && fill != data.FillPrevious {
		return nil
	}
	return t.FillValues
}

// fillWarnings warns about fill policies that are likely wrong: zero on a
// column whose values are far from zero, drop on a time series.
func fillWarnings(t *data.Table, fill data.FillPolicy, series bool) string {
	var b strings.Builder
	if fill == data.FillZero {
		for _, name := range t.FeatureNames {
			m, ok := t.FillValues[name]
			sd := t.FillStd[name]
			if ok && math.Abs(m) > 2*sd && math.Abs(m) > 0 {
				fmt.Fprintf(&b, "\nwarning: Options.Fill = \"zero\" on column `%s`, whose mean is %.4g (std %.3g): a 0 is far from its values; Options.Fill = \"mean\" or Options.Fill = \"previous\" is likely better", name, m, sd)
			}
		}
	}
	if fill == data.FillDrop && series && len(t.Dropped) > 0 {
		fmt.Fprintf(&b, "\nwarning: Options.Fill = \"drop\" removed %d rows of a time series: windows that span them join rows that were not adjacent (the spacing inside those windows changes); Options.Fill = \"previous\" keeps the spacing", len(t.Dropped))
	}
	return b.String()
}
