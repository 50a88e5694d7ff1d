package pipeline

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/calendar"
	"github.com/seqnet/seqnet/data"
)

// sniffRowLabel looks for a column that names rows rather than measuring
// anything: dates (including plain years) or a row index (integers
// increasing by 1). It returns the first such column that is not a target
// (its header name, or its 0-based index without a header) and what it
// holds, or "" when there is none.
func sniffRowLabel(path string, delim rune, header data.HeaderMode, targets, ignore []string) (col, what string, err error) {
	names, cols, err := sniffColumns(path, delim, header)
	if err != nil || names == nil {
		return "", "", err
	}
	for j, name := range names {
		skip := false
		for _, t := range append(append([]string(nil), targets...), ignore...) {
			skip = skip || t == name || t == strconv.Itoa(j)
		}
		if skip {
			continue
		}
		if what := labelKind(cols[j], false); what != "" {
			return name, what, nil
		}
	}
	return "", "", nil
}

// sniffColumns reads a delimited file's column names (the header's, or
// their 0-based indices without one) and each column's trimmed values; nil
// when the file has under 3 rows, a ragged row, or does not parse (the
// reader proper reports a broken file).
func sniffColumns(path string, delim rune, header data.HeaderMode) (names []string, cols [][]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, inputErr("%s: %v", path, err)
	}
	defer f.Close()
	if delim == 0 {
		delim = sniffDelimiter(f)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
	}
	cr := csv.NewReader(f)
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = delim, -1, true, false
	rows, err := cr.ReadAll()
	if err != nil || len(rows) < 3 {
		return nil, nil, nil
	}
	hasHeader := header == data.HeaderYes
	if header == data.HeaderAuto {
		// A header row has no numbers and no dates.
		hasHeader = true
		for _, v := range rows[0] {
			_, errNum := strconv.ParseFloat(strings.TrimSpace(v), 64)
			_, isDate := calendar.Parse(v)
			hasHeader = hasHeader && errNum != nil && !isDate
		}
	}
	body := rows
	if hasHeader {
		body = rows[1:]
	}
	for j := range rows[0] {
		name := strconv.Itoa(j)
		if hasHeader && strings.TrimSpace(rows[0][j]) != "" {
			name = strings.TrimSpace(rows[0][j])
		}
		vals := make([]string, 0, len(body))
		for _, r := range body {
			if j >= len(r) {
				return nil, nil, nil
			}
			vals = append(vals, strings.TrimSpace(r[j]))
		}
		names, cols = append(names, name), append(cols, vals)
	}
	return names, cols, nil
}

// labelKind says what a column holds when it names rows rather than
// measuring anything: regularly spaced dates (plain years included), a row
// index (integers increasing by 1) or, when increasing, any strictly
// increasing integers (an index or id); "" otherwise.
func labelKind(vals []string, increasing bool) string {
	if len(vals) < 2 {
		return ""
	}
	if ts, err := calendar.ParseAll(vals, nil); err == nil && ts != nil {
		if sp := calendar.DetectSpacing(ts); sp.Name != "irregular" {
			return sp.Name + " dates"
		}
	}
	if isIndex(vals) {
		return "a row index (integers increasing by 1)"
	}
	if increasing && isIncreasing(vals) {
		return "strictly increasing integers (an index or id)"
	}
	return ""
}

func sniffDelimiter(r io.Reader) rune {
	buf := make([]byte, 4096)
	n, _ := r.Read(buf)
	line := string(buf[:n])
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	best, count := ',', strings.Count(line, ",")
	for _, d := range []rune{';', '\t', '|'} {
		if c := strings.Count(line, string(d)); c > count {
			best, count = d, c
		}
	}
	return best
}

// isIncreasing: every value an integer, each above the one before.
func isIncreasing(vals []string) bool {
	prev := 0
	for i, v := range vals {
		n, err := strconv.Atoi(v)
		if err != nil || (i > 0 && n <= prev) {
			return false
		}
		prev = n
	}
	return true
}

func isIndex(vals []string) bool {
	prev := 0
	for i, v := range vals {
		n, err := strconv.Atoi(v)
		if err != nil || (i > 0 && n != prev+1) {
			return false
		}
		prev = n
	}
	return true
}

// addCalendar appends calendar features (calendar.Features) of the rows'
// dates to s. It returns s unchanged when the spacing has none.
func addCalendar(s *data.Series, spacing string) (*data.Series, error) {
	sp := calendar.Spacing{Name: spacing}
	names := calendar.FeatureNames(sp)
	if len(names) == 0 {
		return s, nil
	}
	ts, err := calendar.ParseAll(s.RowLabels, nil)
	if err != nil {
		return nil, inputErr("the row labels: %v", err)
	}
	if ts == nil || len(ts) != s.Rows {
		return nil, inputErr("the model adds %s calendar features from the row label's dates, but the row labels here are not dates (first %q)", spacing, first(s.RowLabels))
	}
	feats := calendar.Features(ts, sp)
	cols := s.Cols() + len(names)
	out := make([]float32, 0, s.Rows*cols)
	for r := 0; r < s.Rows; r++ {
		out = append(out, s.Data[r*s.Cols():(r+1)*s.Cols()]...)
		for _, v := range feats[r] {
			out = append(out, float32(v))
		}
	}
	ns, err := data.NewSeries(append(append([]string(nil), s.Names...), names...), out)
	if err != nil {
		return nil, err
	}
	ns.RowLabels, ns.Offset = s.RowLabels, s.Offset
	return ns, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// spacingOf returns the spacing of the series' row labels when they are
// dates ("" when they are not); lines are the rows' file lines, for errors.
func spacingOf(s *data.Series, lines []int) (string, error) {
	ts, err := calendar.ParseAll(s.RowLabels, lines)
	if err != nil {
		return "", inputErr("the row labels (Options.RowLabel): %v", err)
	}
	if ts == nil {
		return "", nil
	}
	return calendar.DetectSpacing(ts).Name, nil
}
