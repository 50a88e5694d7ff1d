package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
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

	// Resolve the columns.
	ignore := map[int]bool{}
	for _, s := range opts.Ignore {
		j, err := resolveColumn(s, t.Columns, "ignored")
		if err != nil {
			return nil, err
		}
		ignore[j] = true
	}
	rowLabel := -1
	if opts.RowLabel != "" {
		j, err := resolveColumn(opts.RowLabel, t.Columns, "row label")
		if err != nil {
			return nil, err
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
			return nil, err
		}
		if ignore[j] {
			return nil, fmt.Errorf("column %d `%s` is both the target and ignored: choose another target (or set NoTarget)", j, t.Columns[j])
		}
		t.TargetColumn, t.TargetName = j, t.Columns[j]
	}
	if len(opts.Features) > 0 {
		seen := map[int]bool{}
		for _, s := range opts.Features {
			j, err := resolveColumn(s, t.Columns, "feature")
			if err != nil {
				return nil, err
			}
			if j == t.TargetColumn {
				return nil, fmt.Errorf("column %d `%s` is both the target and a feature: remove it from the features or choose another target", j, t.Columns[j])
			}
			if seen[j] {
				return nil, fmt.Errorf("feature column %d `%s` is listed twice", j, t.Columns[j])
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
		return nil, fmt.Errorf("no feature columns left: the file has columns %s, the target is `%s` and %d are ignored",
			shortList(t.Columns, 12), t.TargetName, len(ignore))
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

// records are the rows of a CSV file, header removed.
type records struct {
	recs      [][]string
	lines     []int // 1-based line of each record
	delim     rune
	hasHeader bool
	guessed   bool
	columns   []string
}

// readRecords reads a whole CSV file: delimiter and header detection,
// trimmed fields, the same number of fields on every line.
func readRecords(r io.Reader, delim rune, header HeaderMode) (*records, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading CSV: %w", err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	if isUTF16(raw) {
		return nil, errors.New("the file is UTF-16 encoded (it starts with a UTF-16 byte order mark or has a zero byte in every other place): save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8, or \"UTF-8\" in the editor's save dialog)")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("CSV file is empty: expected a header row and/or rows of comma-, semicolon- or tab-separated values")
	}
	if delim == 0 {
		delim = detectDelimiter(raw)
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = delim != '\t'
	read := func() ([]string, int, error) {
		rec, err := cr.Read()
		if err != nil {
			return nil, 0, err // FieldPos panics after an error
		}
		line, _ := cr.FieldPos(0)
		return rec, line, nil
	}
	if delim == '\t' {
		// Tab-separated text is read without quote processing: a quote is
		// part of the text (label<TAB>subject lines often hold one).
		read = tabReader(raw)
	}
	rs := &records{delim: delim}
	for {
		rec, line, err := read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("CSV syntax error: %w (check quoting; the delimiter used is %s)", err, delimName(delim))
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of blanks
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rs.recs = append(rs.recs, rec)
		rs.lines = append(rs.lines, line)
	}
	if len(rs.recs) == 0 {
		return nil, errors.New("CSV file has no rows")
	}
	ncol := len(rs.recs[0])
	for i, rec := range rs.recs {
		if len(rec) != ncol {
			return nil, fmt.Errorf("line %d has %d fields but line %d (the first row) has %d: every row needs the same number of %s-separated fields (check for a missing value or an unquoted %s inside a value)",
				rs.lines[i], len(rec), rs.lines[0], ncol, delimName(delim), delimName(delim))
		}
	}
	switch header {
	case HeaderYes:
		rs.hasHeader = true
	case HeaderNo:
	case HeaderSkip:
		rs.recs, rs.lines = rs.recs[1:], rs.lines[1:]
	default:
		rs.hasHeader, rs.guessed = detectHeader(rs.recs), true
	}
	if rs.hasHeader {
		rs.columns = rs.recs[0]
		first := map[string]int{}
		for j, c := range rs.columns {
			if c == "" {
				rs.columns[j] = strconv.Itoa(j)
			}
			if k, dup := first[rs.columns[j]]; dup {
				return nil, fmt.Errorf("columns %d and %d are both named `%s`: columns are chosen by name (--target, --features), so each needs its own; rename one in the header", k, j, rs.columns[j])
			}
			first[rs.columns[j]] = j
		}
		rs.recs, rs.lines = rs.recs[1:], rs.lines[1:]
	} else {
		for j := 0; j < ncol; j++ {
			rs.columns = append(rs.columns, strconv.Itoa(j))
		}
	}
	if len(rs.recs) == 0 {
		return nil, fmt.Errorf("CSV file has a header (%s) but no data rows", shortList(rs.columns, 8))
	}
	return rs, nil
}

// resolveColumn finds a column by exact name, then by 0-based index
// (negative from the end).
func resolveColumn(spec string, cols []string, role string) (int, error) {
	for j, c := range cols {
		if c == spec {
			return j, nil
		}
	}
	if i, err := strconv.Atoi(strings.TrimSpace(spec)); err == nil {
		if i < 0 {
			i += len(cols)
		}
		if i >= 0 && i < len(cols) {
			return i, nil
		}
		return -1, fmt.Errorf("%s column index %s is out of range: the file has %d columns (0..%d)", role, spec, len(cols), len(cols)-1)
	}
	return -1, fmt.Errorf("no %s column named %q: the columns are %s (a 0-based index works too)", role, spec, shortList(cols, 20))
}

// parseNumber parses a finite number; missing markers and text are not.
func parseNumber(s string) (float64, bool) {
	if isMissing(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
		return 0, false
	}
	return v, true
}

// isMissing reports the usual markers of a missing value.
func isMissing(s string) bool {
	if len(s) > 4 || (len(s) > 0 && s[0] >= '0' && s[0] <= '9') {
		return false
	}
	switch strings.ToLower(s) {
	case "", "na", "n/a", "nan", "null", "none", "?":
		return true
	}
	return false
}

func describeCell(s string) string {
	switch {
	case s == "":
		return "the value is empty"
	case isMissing(s):
		return fmt.Sprintf("the value %q marks a missing value", s)
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return fmt.Sprintf("the value %q (%g) is not a finite float32", s, v)
	}
	if _, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil && strings.Count(s, ",") == 1 {
		return fmt.Sprintf("the value %q is not a number (a decimal comma? write a decimal point: %q)", s, strings.Replace(s, ",", ".", 1))
	}
	return fmt.Sprintf("the value %q is not a number", s)
}

// ignoreHint suggests ignoring a column whose first value is text.
func ignoreHint(recs [][]string, j int) string {
	if _, ok := parseNumber(recs[0][j]); !ok && !isMissing(recs[0][j]) {
		return "ignore the column if it is not a feature (e.g. a date or an id)"
	}
	return "choose other feature columns"
}

// detectDelimiter picks among ',', ';', '\t' and '|' the one that splits the
// first lines into the same number (>1) of fields, preferring more fields.
func detectDelimiter(raw []byte) rune {
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
		if len(lines) == 10 {
			break
		}
	}
	best, bestN := ',', 1
	for _, d := range []rune{',', ';', '\t', '|'} {
		n := -1
		for _, l := range lines {
			c := countOutsideQuotes(l, d)
			if d == '\t' {
				c = strings.Count(l, "\t") // no quote processing for tabs
			}
			if n < 0 {
				n = c
			} else if c != n {
				n = 0
				break
			}
		}
		if n+1 > bestN {
			best, bestN = d, n+1
		}
	}
	return best
}

func countOutsideQuotes(s string, d rune) int {
	n, q := 0, false
	for _, r := range s {
		switch {
		case r == '"':
			q = !q
		case r == d && !q:
			n++
		}
	}
	return n
}

// detectHeader decides HeaderAuto, see its doc.
func detectHeader(recs [][]string) bool {
	if len(recs) == 1 {
		for _, c := range recs[0] {
			if _, ok := parseNumber(c); !ok && !isMissing(c) {
				return true
			}
		}
		return false
	}
	sample := recs[1:min(len(recs), 51)]
	anyNumeric := false
	for j := range recs[0] {
		numeric, seen := true, 0
		for _, rec := range sample {
			if isMissing(rec[j]) {
				continue
			}
			if _, ok := parseNumber(rec[j]); !ok {
				numeric = false
				break
			}
			seen++
		}
		if !numeric || seen == 0 {
			continue
		}
		anyNumeric = true
		if _, ok := parseNumber(recs[0][j]); !ok && !isMissing(recs[0][j]) {
			return true
		}
	}
	if anyNumeric {
		return false
	}
	// No numeric column: a header's cells do not repeat in their column.
	for j, c := range recs[0] {
		if c == "" {
			return false
		}
		for _, rec := range sample {
			if rec[j] == c {
				return false
			}
		}
	}
	return true
}

func delimName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	case ' ':
		return "space"
	}
	return strconv.QuoteRune(d)
}

func shortList(s []string, max int) string {
	if len(s) <= max {
		return "`" + strings.Join(s, "`, `") + "`"
	}
	return "`" + strings.Join(s[:max], "`, `") + fmt.Sprintf("` … (%d more)", len(s)-max)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// tabReader returns the lines of raw split at tabs, with their 1-based
// line numbers, and io.EOF at the end: no quote processing.
func tabReader(raw []byte) func() ([]string, int, error) {
	lines := strings.Split(string(raw), "\n")
	i := 0
	return func() ([]string, int, error) {
		for i < len(lines) {
			l := strings.TrimSuffix(lines[i], "\r")
			i++
			if strings.TrimSpace(l) == "" {
				continue
			}
			return strings.Split(l, "\t"), i, nil
		}
		return nil, 0, io.EOF
	}
}

// isUTF16 reports a UTF-16 byte order mark, or text whose every other
// byte among the first ones is zero.
func isUTF16(raw []byte) bool {
	if bytes.HasPrefix(raw, []byte{0xff, 0xfe}) || bytes.HasPrefix(raw, []byte{0xfe, 0xff}) {
		return true
	}
	n := min(len(raw), 64)
	if n < 8 {
		return false
	}
	zeros := 0
	for _, b := range raw[:n] {
		if b == 0 {
			zeros++
		}
	}
	return zeros*3 >= n
}
