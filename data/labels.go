package data

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// LabelMap maps string class labels to class indices 0..K-1. The classes are
// kept in sorted order (byte-wise, or numerically when every label is a
// number, so "2" comes before "10"), so the same set of labels always gives the
// same indices. Save it with the model (it marshals to JSON as
// {"classes": [...]}) and pass it back through CSVOptions.Labels at prediction
// time, so new data is encoded exactly as the training data was.
//
// When every label is a number, numerically equal labels are one class
// ("1", "1.0" and "1e0"), as in the float array a Keras model is given;
// the comparison is exact, never through float32.
type LabelMap struct {
	Classes []string `json:"classes"`
	// merged notes the labels NewLabelMap made one class (MergedNote).
	merged []string
}

// NewLabelMap returns the map of the distinct labels, sorted. Numerically
// equal numbers are merged into one class named by the number's usual
// spelling ("1" for "1" and "1.0"); MergedNote says which.
func NewLabelMap(labels []string) *LabelMap {
	c := slices.Clone(labels)
	slices.Sort(c)
	c = slices.Compact(c)
	c, merged := mergeNumeric(c)
	numeric := len(c) > 0
	vals := make(map[string]float64, len(c))
	for _, l := range c {
		v, err := strconv.ParseFloat(l, 64)
		if err != nil {
			numeric = false
			break
		}
		vals[l] = v
	}
	if numeric {
		slices.SortStableFunc(c, func(a, b string) int { return cmp.Compare(vals[a], vals[b]) })
	}
	return &LabelMap{Classes: c, merged: merged}
}

// Len is the number of classes.
func (m *LabelMap) Len() int { return len(m.Classes) }

// Index returns the class index of label: the class spelled the same, or
// else the one numerically equal to it ("1.0" finds the class "1"). A
// label the map has never seen is an error that names it and lists the
// known classes.
func (m *LabelMap) Index(label string) (int, error) {
	for i, c := range m.Classes {
		if c == label {
			return i, nil
		}
	}
	if i := m.numericIndex(label); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("unknown label %q: the model was trained on %d classes (%s); "+
		"relabel the row or retrain with this class", label, len(m.Classes), m.list(8))
}

// Name returns the label of class index i, or an error when i is out of range.
func (m *LabelMap) Name(i int) (string, error) {
	if i < 0 || i >= len(m.Classes) {
		return "", fmt.Errorf("class index %d out of range: there are %d classes (0..%d)", i, len(m.Classes), len(m.Classes)-1)
	}
	return m.Classes[i], nil
}

// list formats up to max class names for messages.
func (m *LabelMap) list(max int) string {
	q := make([]string, 0, max+1)
	for i, c := range m.Classes {
		if i == max {
			q = append(q, fmt.Sprintf("… %d more", len(m.Classes)-max))
			break
		}
		q = append(q, fmt.Sprintf("%q", c))
	}
	return strings.Join(q, ", ")
}
