package pipeline

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/seqnet/seqnet/calendar"
	"github.com/seqnet/seqnet/data"
)

// checkTimeOrder refuses a series file with a column of dates that run
// backwards (newest first, as many exports list them), whichever columns
// are read: windows are cut oldest first, so a model trained on it would
// learn to forecast the past, and one predicting on it would forecast from
// the oldest rows. Sorting is left to the user (one command), not done
// silently: the file's lines and the rows the predictions name stay the
// same.
//
// Numbers that read as dates (a year 1995, 19950101) count only in the row
// label column or a column named like a time (year, date, …): a feature
// counting down from 2000 is not a calendar.
func checkTimeOrder(path string, delim rune, header data.HeaderMode, rowLabel string) error {
	rows, hasHeader := readCells(path, delim, header)
	if len(rows) < 3 {
		return nil
	}
	body, first := rows, 1
	if hasHeader {
		body, first = rows[1:], 2
	}
	for j := range rows[0] {
		name := strconv.Itoa(j)
		if hasHeader && strings.TrimSpace(rows[0][j]) != "" {
			name = strings.TrimSpace(rows[0][j])
		}
		if !runsBackwards(body, j, name == rowLabel || timeName(name)) {
			continue
		}
		n := len(body)
		return inputErr("%s: column `%s` runs backwards in time (line %d %s … line %d %s): windows are cut oldest first, so a model would forecast the past (and predict from the oldest rows); sort the file oldest first, e.g. pandas df.sort_values(%q).to_csv(...), or keep the header and reverse the rest: (head -n 1 FILE; tail -n +2 FILE | tac) > sorted.csv",
			path, name, first, strings.TrimSpace(body[0][j]), first+n-1, strings.TrimSpace(body[n-1][j]), name)
	}
	return nil
}

// timeName says whether a column name names a time.
func timeName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"date", "time", "year", "period", "month", "day", "week"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return n == "ds" || n == "dt"
}

// runsBackwards reports a column of dates that never increase and end
// before they start; plain numbers count as dates only with numbers.
func runsBackwards(body [][]string, j int, numbers bool) bool {
	var prev, start time.Time
	for i, r := range body {
		if j >= len(r) {
			return false
		}
		c := strings.TrimSpace(r[j])
		t, ok := calendar.Parse(c)
		if _, err := strconv.ParseFloat(c, 64); err == nil && !numbers {
			return false
		}
		if !ok || (i > 0 && t.After(prev)) {
			return false
		}
		if i == 0 {
			start = t
		}
		prev = t
	}
	return prev.Before(start)
}

// readCells reads a delimited file's cells (nil when it cannot: the
// reader proper reports why) and whether its first row is a header (with
// HeaderAuto: when no cell of it is a number or a date).
func readCells(path string, delim rune, header data.HeaderMode) ([][]string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if delim == 0 {
		delim = sniffDelimiter(f)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, false
		}
	}
	cr := csv.NewReader(f)
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = delim, -1, true
	rows, err := cr.ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, false
	}
	hasHeader := header == data.HeaderYes || header == data.HeaderSkip
	if header == data.HeaderAuto {
		hasHeader = true
		for _, v := range rows[0] {
			_, errNum := strconv.ParseFloat(strings.TrimSpace(v), 64)
			_, isDate := calendar.Parse(strings.TrimSpace(v))
			hasHeader = hasHeader && errNum != nil && !isDate
		}
	}
	return rows, hasHeader
}
