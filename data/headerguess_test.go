package data

import (
	"strings"
	"testing"
)

func TestFirstRowLooksLikeHeader(t *testing.T) {
	labels := NewLabelMap([]string{"ham", "spam"})
	for _, c := range []struct {
		file   string
		label  int
		labels *LabelMap
		want   bool
	}{
		{"label\ttext\nham\tteam lunch\nspam\tfree cash\n", 0, labels, true},
		{"ham\tteam lunch\nspam\tfree cash\n", 0, labels, false},
		{"ham\tlabel\nspam\tfree cash\n", 0, labels, false}, // a known class first: a sample
		{"a,b,y\n1,2,3\n4,5,6\n", -1, nil, true},
		{"1,2,3\n4,5,6\n", -1, nil, false},
		{"a,b,y\n", -1, nil, false},                        // one row: nothing to compare with
		{"team lunch\nfree cash\nhello\n", -1, nil, false}, // texts alone: cannot tell
		{"NA,2,3\n4,5,6\n", -1, nil, false},                // a missing value is not a name
	} {
		got, row := FirstRowLooksLikeHeader(strings.NewReader(c.file), 0, c.label, c.labels)
		if got != c.want || (got && len(row) == 0) {
			t.Errorf("%q: %v %q, want %v", c.file, got, row, c.want)
		}
	}
	// Only the start of a long file is read, in whole lines.
	long := "a,b\n" + strings.Repeat("1.25,2.5\n", 20000)
	if got, _ := FirstRowLooksLikeHeader(strings.NewReader(long), 0, -1, nil); !got {
		t.Error("long file: header not seen")
	}
}

func TestHeaderSkip(t *testing.T) {
	tb, err := ReadCSV(strings.NewReader("a,b,y\n1,2,3\n4,5,6\n"), CSVOptions{Header: HeaderSkip})
	if err != nil {
		t.Fatal(err)
	}
	if tb.HasHeader || tb.Samples() != 2 || tb.Lines[0] != 2 || strings.Join(tb.Columns, ",") != "0,1,2" {
		t.Errorf("HeaderSkip: header %v, %d rows from line %d, columns %v", tb.HasHeader, tb.Samples(), tb.Lines[0], tb.Columns)
	}
}
