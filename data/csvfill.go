package data

import (
	"fmt"
	"math"
	"strings"
)

// Turning a table's cells into numbers: the features, the target, and the
// fill policy for the cells that are not numbers.

// fill parses the selected cells of recs into t.X, t.Y: the features
// (parseFeatures), the target (readTarget), the fill policy on the cells
// that are not numbers (fillColumn, or dropping their rows), then the rows
// kept (keep).
func (t *Table) fill(recs [][]string, lines []int, opts CSVOptions) error {
	g, err := t.parseFeatures(recs, lines, opts)
	if err != nil {
		return err
	}
	ys, err := t.readTarget(recs, lines, opts, g.drop)
	if err != nil {
		return err
	}
	if opts.Fill == FillDrop {
		g.dropBadRows()
	}
	if opts.Fill == FillMean || opts.Fill == FillPrevious || opts.Fill == FillZero {
		t.FillValues, t.FillStd = map[string]float64{}, map[string]float64{}
		for k, j := range t.FeatureColumns {
			if err := t.fillColumn(g, k, j, recs, lines, opts); err != nil {
				return err
			}
		}
	}
	return t.keep(g, ys, lines)
}

// cellGrid holds the feature cells of a table as parsed: n rows of nf
// values, which of them were not numbers, and the rows to drop.
type cellGrid struct {
	n, nf int
	vals  []float64
	bad   []bool
	drop  []bool
}

// parseFeatures parses the feature columns of recs. A column with no
// number at all is an error (unless fill values were fitted for it), and
// so is any cell that is not a number under FillNone: the earliest one in
// file order is reported.
func (t *Table) parseFeatures(recs [][]string, lines []int, opts CSVOptions) (*cellGrid, error) {
	nf, n := len(t.FeatureColumns), len(recs)
	g := &cellGrid{n: n, nf: nf, vals: make([]float64, n*nf), bad: make([]bool, n*nf), drop: make([]bool, n)}
	var firstBad []int // per feature column: first bad row, -1 if none
	for k, j := range t.FeatureColumns {
		numeric, first := 0, -1
		for i, rec := range recs {
			v, ok := parseNumber(rec[j])
			if ok {
				g.vals[i*nf+k] = v
				numeric++
				continue
			}
			g.bad[i*nf+k] = true
			if first < 0 {
				first = i
			}
		}
		if _, fitted := opts.FillValues[t.Columns[j]]; numeric == 0 && !fitted {
			return nil, fmt.Errorf("column %d `%s` has no numeric value (line %d: %s): it cannot be a feature; ignore it or choose the feature columns explicitly",
				j, t.Columns[j], lines[0], describeCell(recs[0][j]))
		}
		firstBad = append(firstBad, first)
	}
	if opts.Fill == FillNone {
		bi, bk := -1, -1
		for k, i := range firstBad {
			if i >= 0 && (bi < 0 || i < bi) {
				bi, bk = i, k
			}
		}
		if bi >= 0 {
			j := t.FeatureColumns[bk]
			return nil, fmt.Errorf("line %d, column %d `%s`: %s; expected a number in every feature column. Fix the value, %s, or choose a fill policy (zero, mean, previous, drop)",
				lines[bi], j, t.Columns[j], describeCell(recs[bi][j]), ignoreHint(recs, j))
		}
	}
	return g, nil
}

// readTarget reads the target column (nil without one): numbers, or class
// indices when the column holds labels (or opts asks for classes). A
// missing target drops its row under FillDrop (marked in drop) and is an
// error otherwise.
func (t *Table) readTarget(recs [][]string, lines []int, opts CSVOptions, drop []bool) ([]float64, error) {
	if t.TargetColumn < 0 {
		return nil, nil
	}
	j := t.TargetColumn
	ys := make([]float64, len(recs))
	labels := opts.Labels != nil || opts.Classes
	for i, rec := range recs {
		if isMissing(rec[j]) {
			if opts.Fill == FillDrop {
				drop[i] = true
				continue
			}
			return nil, fmt.Errorf("line %d, target column %d `%s`: the value is missing (%s); every row needs a target. Fix the row or use the drop fill policy",
				lines[i], j, t.Columns[j], describeCell(rec[j]))
		}
		if _, ok := parseNumber(rec[j]); !ok {
			labels = true
		}
	}
	if labels && opts.Labels == nil && !opts.Classes {
		if err := t.mostlyNumericTarget(recs, lines, drop); err != nil {
			return nil, err
		}
	}
	if labels {
		return ys, t.labelTargets(recs, lines, opts.Labels, drop, ys)
	}
	for i, rec := range recs {
		if !drop[i] {
			ys[i], _ = parseNumber(rec[j])
		}
	}
	return ys, nil
}

// mostlyNumericTarget refuses a target column that is numbers but for a
// few cells (a stray "abc", "#N/A", "inf" or 1e39): read as labels, it
// would turn a regression into classification with one class per value.
// Classification needs CSVOptions.Classes (or mostly non-numeric labels).
func (t *Table) mostlyNumericTarget(recs [][]string, lines []int, drop []bool) error {
	j := t.TargetColumn
	var numeric, total int
	var bad []string
	for i, rec := range recs {
		if drop[i] {
			continue
		}
		total++
		if _, ok := parseNumber(rec[j]); ok {
			numeric++
		} else if len(bad) < 3 {
			bad = append(bad, fmt.Sprintf("line %d %q", lines[i], rec[j]))
		}
	}
	if numeric == 0 || numeric*10 < total*9 {
		return nil // labels (or a mix that is not a regression target)
	}
	return fmt.Errorf("target column %d `%s` holds numbers in %d of %d rows but not in %s (a float32 number must be finite and within ±3.4e38): "+
		"fix those cells, or set CSVOptions.Classes to read the column as class labels", j, t.Columns[j], numeric, total, strings.Join(bad, ", "))
}

// labelTargets writes into ys the class index of each kept row's target,
// by lm (made from the rows' labels when nil), and sets t.Labels.
func (t *Table) labelTargets(recs [][]string, lines []int, lm *LabelMap, drop []bool, ys []float64) error {
	j := t.TargetColumn
	if lm == nil {
		var seen []string
		for i, rec := range recs {
			if !drop[i] {
				seen = append(seen, rec[j])
			}
		}
		lm = NewLabelMap(seen)
	}
	idx := make(map[string]int, lm.Len())
	for k, c := range lm.Classes {
		idx[c] = k
	}
	for i, rec := range recs {
		if drop[i] {
			continue
		}
		k, ok := idx[rec[j]]
		if !ok {
			var err error
			if k, err = lm.Index(rec[j]); err != nil {
				return fmt.Errorf("line %d, target column %d `%s`: %w", lines[i], j, t.Columns[j], err)
			}
			idx[rec[j]] = k
		}
		ys[i] = float64(k)
	}
	t.Labels = lm
	return nil
}

// dropBadRows marks for dropping every row with a feature that is not a
// number (FillDrop).
func (g *cellGrid) dropBadRows() {
	for i := 0; i < g.n; i++ {
		for k := 0; k < g.nf; k++ {
			if g.bad[i*g.nf+k] {
				g.drop[i] = true
			}
		}
	}
}

// columnStats are the mean, standard deviation and last value of feature
// k over its valid cells in the rows kept; count is how many there are.
func (g *cellGrid) columnStats(k int) (mean, sd, last float64, count int) {
	for i := 0; i < g.n; i++ {
		if !g.bad[i*g.nf+k] && !g.drop[i] {
			mean += g.vals[i*g.nf+k]
			count++
			last = g.vals[i*g.nf+k]
		}
	}
	if count == 0 {
		return 0, 0, 0, 0
	}
	mean /= float64(count)
	ss := 0.0
	for i := 0; i < g.n; i++ {
		if !g.bad[i*g.nf+k] && !g.drop[i] {
			ss += (g.vals[i*g.nf+k] - mean) * (g.vals[i*g.nf+k] - mean)
		}
	}
	return mean, math.Sqrt(ss / float64(count)), last, count
}

// fillColumn applies the fill policy (zero, mean, previous) to the cells
// of feature k (file column j) that are not numbers, and records the
// column's fitted fill value (and standard deviation) in t. Fill values
// fitted on training data (opts.FillValues) take the place of this data's
// mean, and of the value before the first row for previous.
func (t *Table) fillColumn(g *cellGrid, k, j int, recs [][]string, lines []int, opts CSVOptions) error {
	name := t.Columns[j]
	mean, sd, last, cnt := g.columnStats(k)
	fitted, ok := opts.FillValues[name]
	switch {
	case opts.Fill == FillMean && ok:
		mean = fitted
	case opts.Fill == FillPrevious && cnt > 0:
		t.FillValues[name] = last
	case opts.Fill != FillPrevious && cnt > 0:
		t.FillValues[name] = mean
		t.FillStd[name] = sd
	}
	if opts.Fill == FillMean && !ok && cnt == 0 {
		return fmt.Errorf("column %d `%s`: no valid value to take the mean of; fix the values or use another fill policy", j, name)
	}
	prev, havePrev := 0.0, false
	if ok && opts.Fill == FillPrevious {
		prev, havePrev = fitted, true // the last training value
	}
	for i := 0; i < g.n; i++ {
		if g.drop[i] {
			continue
		}
		if !g.bad[i*g.nf+k] {
			prev, havePrev = g.vals[i*g.nf+k], true
			continue
		}
		switch opts.Fill {
		case FillZero:
			g.vals[i*g.nf+k] = 0
		case FillMean:
			g.vals[i*g.nf+k] = mean
		case FillPrevious:
			if !havePrev {
				return fmt.Errorf("line %d, column %d `%s`: %s cannot be filled with the previous value: it is in the first row; use another fill policy or fix the value",
					lines[i], j, t.Columns[j], describeCell(recs[i][j]))
			}
			g.vals[i*g.nf+k] = prev
		}
		t.Filled++
	}
	return nil
}

// keep writes the rows not dropped into t.X, t.Y and t.Lines, and the
// dropped ones' lines into t.Dropped.
func (t *Table) keep(g *cellGrid, ys []float64, lines []int) error {
	t.X = make([]float32, 0, g.n*g.nf)
	for i := 0; i < g.n; i++ {
		if g.drop[i] {
			t.Dropped = append(t.Dropped, lines[i])
			continue
		}
		for k := 0; k < g.nf; k++ {
			t.X = append(t.X, float32(g.vals[i*g.nf+k]))
		}
		if ys != nil {
			t.Y = append(t.Y, float32(ys[i]))
		}
		t.Lines = append(t.Lines, lines[i])
	}
	if len(t.Lines) == 0 {
		return fmt.Errorf("every one of the %d data rows was dropped for missing values: check the delimiter (%s) and the column choice", g.n, delimName(t.Delimiter))
	}
	return nil
}
