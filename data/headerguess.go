package data

import (
	"bytes"
	"io"
)

// headerSniffBytes is how much of a file FirstRowLooksLikeHeader reads.
const headerSniffBytes = 64 << 10

// FirstRowLooksLikeHeader reads the start of a delimited file (delim 0:
// detected) as rows without a header and reports whether its first row
// looks like column names, returning that row: a cell that is not a
// number in a column whose other cells are numbers, or, when labels and
// a label column (0-based; -1 for none) are given, a label cell that is
// not one of the classes while another row's label is. It is for a model
// trained on a file without a header, to tell whether a new file has one;
// a file it cannot read is reported as not a header (reading it in full
// says what is wrong).
func FirstRowLooksLikeHeader(r io.Reader, delim rune, labelColumn int, labels *LabelMap) (bool, []string) {
	raw, err := io.ReadAll(io.LimitReader(r, headerSniffBytes+1))
	if err != nil {
		return false, nil
	}
	if len(raw) > headerSniffBytes {
		// Only whole lines: the last one read may be cut.
		if i := bytes.LastIndexByte(raw[:headerSniffBytes], '\n'); i >= 0 {
			raw = raw[:i+1]
		}
	}
	rs, err := readRecords(bytes.NewReader(raw), delim, HeaderNo)
	if err != nil || len(rs.recs) < 2 {
		return false, nil
	}
	first := rs.recs[0]
	if labels != nil && labelColumn >= 0 && labelColumn < len(first) {
		if _, err := labels.Index(first[labelColumn]); err == nil {
			return false, nil // a sample of a known class
		}
		for _, rec := range rs.recs[1:min(len(rs.recs), 51)] {
			if _, err := labels.Index(rec[labelColumn]); err == nil {
				return true, first
			}
		}
	}
	return numericBelowText(rs.recs), first
}

// numericBelowText reports a column whose first cell is text (not a
// number, not missing) and whose next cells are numbers.
func numericBelowText(recs [][]string) bool {
	sample := recs[1:min(len(recs), 51)]
	for j, c := range recs[0] {
		if _, ok := parseNumber(c); ok || isMissing(c) {
			continue
		}
		if numericColumn(sample, j) {
			return true
		}
	}
	return false
}
