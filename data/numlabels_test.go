package data

import (
	"slices"
	"testing"
)

func TestNumericLabelsMergeExactly(t *testing.T) {
	for _, c := range []struct {
		in, want []string
	}{
		{[]string{"1", "1.0", "1e0", "2", "10"}, []string{"1", "2", "10"}},
		{[]string{"16777216", "16777217", "16777216.0"}, []string{"16777216", "16777217"}},
		{[]string{"20240101", "20240102"}, []string{"20240101", "20240102"}},
		{[]string{"9007199254740993", "9007199254740992"}, []string{"9007199254740992", "9007199254740993"}},
		{[]string{"0", "-0", "0.000", "00"}, []string{"0"}},
		{[]string{"2.50", "2.5", "0.001", "1e-3", "-1"}, []string{"-1", "0.001", "2.5"}},
		{[]string{"1.0", "2.0"}, []string{"1.0", "2.0"}},           // one spelling each: kept
		{[]string{"1", "1.0", "cat"}, []string{"1", "1.0", "cat"}}, // not a numeric column
		{[]string{"1", "1.0", "nan"}, []string{"nan", "1", "1.0"}}, // NaN sorts first, as before
		{[]string{"8", "0x1p3", "1e+30", "1e30"}, []string{"8", "1e+30"}},
	} {
		if got := NewLabelMap(c.in).Classes; !slices.Equal(got, c.want) {
			t.Errorf("NewLabelMap(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNumericLabelIndex(t *testing.T) {
	m := NewLabelMap([]string{"1", "2.5", "16777216"})
	for label, want := range map[string]int{"1": 0, "1.0": 0, "+1": 0, "2.50": 1, "16777216": 2, "1.6777216e7": 2, "16777217": -1, "cat": -1} {
		got, err := m.Index(label)
		if got != want || (want < 0) != (err != nil) {
			t.Errorf("Index(%q) = %d, %v; want %d", label, got, err, want)
		}
	}
	// A map of string classes never matches by number.
	s := &LabelMap{Classes: []string{"a", "1"}}
	if i, err := s.Index("1.0"); err == nil {
		t.Errorf("Index(1.0) in a non-numeric map = %d", i)
	}
	if note := NewLabelMap([]string{"1", "1.0"}).MergedNote(); note == "" {
		t.Error("no note for a merge")
	}
}

func TestDecimalString(t *testing.T) {
	for in, want := range map[string]string{"1e20": "100000000000000000000", "1e21": "1e+21", "12.5e-10": "1.25e-09",
		"0.0000015": "0.0000015", "-007.50": "-7.5", "123456789012345678901234": "1.23456789012345678901234e+23"} {
		d, ok := parseDecimal(in)
		if !ok || d.String() != want {
			t.Errorf("%q: %q, %v; want %q", in, d.String(), ok, want)
		}
	}
	for _, in := range []string{"", ".", "e5", "1e", "inf", "NaN", "1e400", "abc", "1e99999999"} {
		if d, ok := parseDecimal(in); ok {
			t.Errorf("%q parsed as %v", in, d)
		}
	}
}
