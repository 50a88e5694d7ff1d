package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

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
	read := recordReader(raw, delim)
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
	if err := rs.header(header, ncol); err != nil {
		return nil, err
	}
	if len(rs.recs) == 0 {
		return nil, fmt.Errorf("CSV file has a header (%s) but no data rows", shortList(rs.columns, 8))
	}
	return rs, nil
}

// recordReader returns a reader of raw's records and their 1-based lines:
// encoding/csv's, or for tab-separated text one without quote processing
// (a quote is part of the text: label<TAB>subject lines often hold one).
func recordReader(raw []byte, delim rune) func() ([]string, int, error) {
	if delim == '\t' {
		return tabReader(raw)
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	return func() ([]string, int, error) {
		rec, err := cr.Read()
		if err != nil {
			return nil, 0, err // FieldPos panics after an error
		}
		line, _ := cr.FieldPos(0)
		return rec, line, nil
	}
}

// header takes the column names from the first record (as header says,
// or guessed), naming unnamed and missing ones by their index.
func (rs *records) header(header HeaderMode, ncol int) error {
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
				return fmt.Errorf("columns %d and %d are both named `%s`: columns are chosen by name (CSVOptions.Target, CSVOptions.Features, TextCSVOptions.Text), so each needs its own; rename one in the header", k, j, rs.columns[j])
			}
			first[rs.columns[j]] = j
		}
		rs.recs, rs.lines = rs.recs[1:], rs.lines[1:]
	} else {
		for j := 0; j < ncol; j++ {
			rs.columns = append(rs.columns, strconv.Itoa(j))
		}
	}
	return nil
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
		if !numericColumn(sample, j) {
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

// numericColumn reports whether column j of sample holds at least one
// number and nothing else but missing values.
func numericColumn(sample [][]string, j int) bool {
	seen := 0
	for _, rec := range sample {
		if isMissing(rec[j]) {
			continue
		}
		if _, ok := parseNumber(rec[j]); !ok {
			return false
		}
		seen++
	}
	return seen > 0
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
