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
	f, err := os.Open(path)
	if err != nil {
		return "", "", inputErr("%s: %v", path, err)
	}
	defer f.Close()
	if delim == 0 {
		delim = sniffDelimiter(f)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", "", err
		}
	}
	cr := csv.NewReader(f)
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = delim, -1, true, false
	rows, err := cr.ReadAll()
	if err != nil || len(rows) < 3 {
		return "", "", nil // the reader proper reports a broken file
	}
	names := rows[0]
	body := rows[1:]
	hasHeader := header == data.HeaderYes
	if header == data.HeaderAuto {
		// A header row has no numbers and no dates.
		hasHeader = true
		for _, v := range names {
			_, errNum := strconv.ParseFloat(strings.TrimSpace(v), 64)
			_, isDate := calendar.Parse(v)
			hasHeader = hasHeader && errNum != nil && !isDate
		}
	}
	if !hasHeader {
		body = rows
	}
	for j := range rows[0] {
		name := strconv.Itoa(j)
		if hasHeader && strings.TrimSpace(names[j]) != "" {
			name = strings.TrimSpace(names[j])
		}
		skip := false
		for _, t := range append(append([]string(nil), targets...), ignore...) {
			skip = skip || t == name || t == strconv.Itoa(j)
		}
		if skip {
			continue
		}
		vals := make([]string, 0, len(body))
		for _, r := range body {
			if j >= len(r) {
				vals = nil
				break
			}
			vals = append(vals, strings.TrimSpace(r[j]))
		}
		if len(vals) < 2 {
			continue
		}
		if ts, err := calendar.ParseAll(vals, nil); err == nil && ts != nil {
			if sp := calendar.DetectSpacing(ts); sp.Name != "irregular" {
				return name, sp.Name + " dates", nil
			}
		}
		if isIndex(vals) {
			return name, "a row index (integers increasing by 1)", nil
		}
	}
	return "", "", nil
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
		return "", inputErr("--row-label: %v", err)
	}
	if ts == nil {
		return "", nil
	}
	return calendar.DetectSpacing(ts).Name, nil
}
