package data

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// HeaderMode says whether the first row of a CSV file holds column names.
type HeaderMode int

const (
	// HeaderAuto treats the first row as a header when one of its cells is
	// not a number in a column whose other rows are numbers (or, in a file
	// with no numeric column, when none of its cells repeats below it).
	HeaderAuto HeaderMode = iota
	// HeaderYes: the first row is a header.
	HeaderYes
	// HeaderNo: the first row is data; columns are named "0", "1", ...
	HeaderNo
	// HeaderSkip: the first row is a header, skipped; columns are named
	// "0", "1", ... as with HeaderNo. It reads a file with a header for a
	// model trained on a file without one (its columns are by position).
	HeaderSkip
)

// FillPolicy says what to do with a missing or non-numeric feature value.
type FillPolicy string

const (
	// FillNone (the default) makes a missing value an error that names the
	// line, the column and the value.
	FillNone FillPolicy = ""
	// FillZero replaces the value by 0.
	FillZero FillPolicy = "zero"
	// FillMean replaces it by the mean of the column's valid values.
	FillMean FillPolicy = "mean"
	// FillPrevious repeats the previous row's value of the column.
	FillPrevious FillPolicy = "previous"
	// FillDrop drops the whole row.
	FillDrop FillPolicy = "drop"
)

// ParseFillPolicy parses "", "error", "zero", "mean", "previous" or "drop".
func ParseFillPolicy(s string) (FillPolicy, error) {
	switch p := FillPolicy(strings.ToLower(strings.TrimSpace(s))); p {
	case FillNone, FillZero, FillMean, FillPrevious, FillDrop:
		return p, nil
	case "error", "none":
		return FillNone, nil
	}
	return FillNone, fmt.Errorf("unknown fill policy %q: expected one of error, zero, mean, previous, drop", s)
}

// CSVOptions configures ReadCSV. The zero value reads a comma, semicolon or
// tab separated file with an auto-detected header, all columns but the last
// as features and the last as the target.
type CSVOptions struct {
	// Delimiter is ',', ';' or '\t' (or any other rune); 0 detects it from
	// the first lines.
	Delimiter rune
	// Header says whether the first row holds column names.
	Header HeaderMode
	// Features are the feature columns, each a column name or a 0-based
	// index ("3"; negative counts from the end). Empty: every column except
	// the target and the Ignore columns, in file order.
	Features []string
	// Target is the target column, by name or index. Empty: the last column.
	Target string
	// NoTarget reads every selected column as a feature (time series).
	NoTarget bool
	// Ignore lists columns to skip (e.g. a date column).
	Ignore []string
	// RowLabel names a column (e.g. a date) kept as text in Table.RowLabels
	// to label rows in descriptions; it is never a feature.
	RowLabel string
	// Classes forces the target to be read as class labels even when all its
	// values are numbers ("0", "1", "2" become classes via a LabelMap).
	Classes bool
	// Labels, when set, is the label mapping saved at training time: the
	// target is encoded with it and an unseen label is an error. Set it at
	// prediction time.
	Labels *LabelMap
	// Fill says what to do with missing or non-numeric feature values.
	// Empty target values are never filled: they are an error unless Fill
	// is FillDrop.
	Fill FillPolicy
	// FillValues, when set (at prediction), are the values fitted when the
	// training data was read (Table.FillValues), by feature column name:
	// FillMean fills with the stored mean instead of this file's, and
	// FillPrevious uses the stored last value when a gap has no previous
	// row in this file, so a prediction never depends on the other rows
	// of the file it is in.
	FillValues map[string]float64
}

// Table is a CSV file read as numbers: N rows of F features and a target.
// Its fields record how the file was read, for Describe and Report.
type Table struct {
	Delimiter     rune     // the delimiter used
	HasHeader     bool     // the first row was a header
	HeaderGuessed bool     // HasHeader was decided by HeaderAuto
	Columns       []string // all column names in file order ("0", "1", ... without a header)

	FeatureNames   []string // names of the feature columns, in order
	FeatureColumns []int    // their 0-based indices in the file
	X              []float32

	TargetName   string    // "" when there is no target
	TargetColumn int       // -1 when there is no target
	Y            []float32 // class index (when Labels != nil) or value, one per row
	Labels       *LabelMap // nil when the target is numeric

	Lines []int // 1-based line number in the file of each row kept
	// RowLabels holds the CSVOptions.RowLabel column of each row kept (nil
	// without it), e.g. dates.
	RowLabels []string
	Filled    int // feature values replaced by the fill policy
	// FillValues are the fitted fill values, by feature column name: each
	// column's mean over its valid values (FillMean, FillZero: for the
	// warning about a mean far from zero) or last valid value
	// (FillPrevious); store them and pass them back as
	// CSVOptions.FillValues when reading new data. Std holds each
	// column's standard deviation alongside (FillMean and FillZero).
	FillValues, FillStd map[string]float64
	Fill                FillPolicy
	Dropped             []int // 1-based line numbers of rows dropped by FillDrop
}

// Samples is the number of rows.
func (t *Table) Samples() int { return len(t.Lines) }

// Describe says in one line what the table holds as model input, e.g.
// "1000 samples × 17 steps × 1 channel, target: column `label` with 3 classes".
func (t *Table) Describe() string {
	f := len(t.FeatureNames)
	s := fmt.Sprintf("%d samples × %d %s × 1 channel", t.Samples(), f, plural(f, "step", "steps"))
	switch {
	case t.TargetColumn < 0:
		s += ", no target"
	case t.Labels != nil:
		s += fmt.Sprintf(", target: column `%s` with %d classes", t.TargetName, t.Labels.Len())
	default:
		s += fmt.Sprintf(", target: column `%s` (numeric)", t.TargetName)
	}
	return s
}

// Report says in a few lines how the file was read: delimiter, header,
// columns, classes, filled and dropped rows.
func (t *Table) Report() string {
	var b strings.Builder
	how := "given"
	if t.HeaderGuessed {
		how = "detected"
	}
	hdr := "no header row"
	if t.HasHeader {
		hdr = "header row"
	}
	fmt.Fprintf(&b, "delimiter %s, %s (%s), %d columns\n", delimName(t.Delimiter), hdr, how, len(t.Columns))
	fmt.Fprintf(&b, "features (%d): %s\n", len(t.FeatureNames), shortList(t.FeatureNames, 12))
	if t.TargetColumn >= 0 {
		if t.Labels != nil {
			fmt.Fprintf(&b, "target: column %d `%s`, classes %s\n", t.TargetColumn, t.TargetName, t.Labels.list(12))
			if note := t.Labels.MergedNote(); note != "" {
				b.WriteString(note + "\n")
			}
		} else {
			fmt.Fprintf(&b, "target: column %d `%s`, numeric\n", t.TargetColumn, t.TargetName)
		}
	}
	if t.Filled > 0 {
		fmt.Fprintf(&b, "filled %d missing values (%s)\n", t.Filled, t.Fill)
	}
	if len(t.Dropped) > 0 {
		lines := make([]string, 0, len(t.Dropped))
		for _, l := range t.Dropped {
			lines = append(lines, strconv.Itoa(l))
		}
		fmt.Fprintf(&b, "dropped %d rows with missing values (lines %s)\n", len(t.Dropped), shortList(lines, 10))
	}
	b.WriteString(t.Describe())
	return b.String()
}

// XTensor returns the features as (N, F, 1): each row is a sequence of F
// steps with one channel, the natural Conv1D reading of a flat row.
func (t *Table) XTensor() *tensor.Tensor {
	return tensor.FromSlice(append([]float32(nil), t.X...), t.Samples(), len(t.FeatureNames), 1)
}

// YTensor returns the target: (N,) class indices when the target holds
// labels (what sparse categorical cross-entropy takes), (N, 1) values when it
// is numeric. It returns nil when there is no target.
func (t *Table) YTensor() *tensor.Tensor {
	if t.TargetColumn < 0 {
		return nil
	}
	y := append([]float32(nil), t.Y...)
	if t.Labels != nil {
		return tensor.FromSlice(y, len(y))
	}
	return tensor.FromSlice(y, len(y), 1)
}

// Series returns the feature columns as a time series (rows in file order,
// labelled with RowLabels), ready for MakeWindows. The target column is not
// part of it: read a time series with NoTarget to window every column.
func (t *Table) Series() *Series {
	return &Series{Names: append([]string(nil), t.FeatureNames...), Rows: t.Samples(), Data: append([]float32(nil), t.X...),
		RowLabels: append([]string(nil), t.RowLabels...)}
}

// ReadCSVFile reads a CSV file; see ReadCSV. Errors start with the path.
func ReadCSVFile(path string, opts CSVOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := ReadCSV(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ReadCSV reads a CSV table of numbers. See CSVOptions for the choices and
// Table.Report for how to print what was read.
func ReadCSV(r io.Reader, opts CSVOptions) (*Table, error) {
	switch opts.Fill {
	case FillNone, FillZero, FillMean, FillPrevious, FillDrop:
	default:
		return nil, fmt.Errorf("unknown fill policy %q: expected one of zero, mean, previous, drop (or empty for an error)", opts.Fill)
	}
	rs, err := readRecords(r, opts.Delimiter, opts.Header)
	if err != nil {
		return nil, err
	}
	recs, lines := rs.recs, rs.lines
	t := &Table{Delimiter: rs.delim, HasHeader: rs.hasHeader, HeaderGuessed: rs.guessed, Columns: rs.columns, TargetColumn: -1, Fill: opts.Fill}

	rowLabel, err := t.resolveColumns(opts)
	if err != nil {
		return nil, err
	}
	for _, j := range t.FeatureColumns {
		t.FeatureNames = append(t.FeatureNames, t.Columns[j])
	}

	if err := t.fill(recs, lines, opts); err != nil {
		return nil, err
	}
	if rowLabel >= 0 {
		k := 0
		for i, rec := range recs {
			if k < len(t.Lines) && t.Lines[k] == lines[i] {
				t.RowLabels = append(t.RowLabels, rec[rowLabel])
				k++
			}
		}
	}
	return t, nil
}

// resolveColumns sets the target and feature columns of t from opts and
// returns the row label's column (-1: none).
func (t *Table) resolveColumns(opts CSVOptions) (int, error) {
	ignore := map[int]bool{}
	for _, s := range opts.Ignore {
		j, err := resolveColumn(s, t.Columns, "ignored")
		if err != nil {
			return -1, err
		}
		ignore[j] = true
	}
	rowLabel := -1
	if opts.RowLabel != "" {
		j, err := resolveColumn(opts.RowLabel, t.Columns, "row label")
		if err != nil {
			return -1, err
		}
		rowLabel, ignore[j] = j, true
	}
	if !opts.NoTarget {
		spec := opts.Target
		if spec == "" {
			spec = "-1"
		}
		j, err := resolveColumn(spec, t.Columns, "target")
		if err != nil {
			return -1, err
		}
		if ignore[j] {
			return -1, fmt.Errorf("column %d `%s` is both the target and ignored: choose another target (or set NoTarget)", j, t.Columns[j])
		}
		t.TargetColumn, t.TargetName = j, t.Columns[j]
	}
	if len(opts.Features) > 0 {
		seen := map[int]bool{}
		for _, s := range opts.Features {
			j, err := resolveColumn(s, t.Columns, "feature")
			if err != nil {
				return -1, err
			}
			if j == t.TargetColumn {
				return -1, fmt.Errorf("column %d `%s` is both the target and a feature: remove it from the features or choose another target", j, t.Columns[j])
			}
			if seen[j] {
				return -1, fmt.Errorf("feature column %d `%s` is listed twice", j, t.Columns[j])
			}
			seen[j] = true
			t.FeatureColumns = append(t.FeatureColumns, j)
		}
	} else {
		for j := range t.Columns {
			if j != t.TargetColumn && !ignore[j] {
				t.FeatureColumns = append(t.FeatureColumns, j)
			}
		}
	}
	if len(t.FeatureColumns) == 0 {
		return -1, fmt.Errorf("no feature columns left: the file has columns %s, the target is `%s` and %d are ignored",
			shortList(t.Columns, 12), t.TargetName, len(ignore))
	}
	return rowLabel, nil
}
