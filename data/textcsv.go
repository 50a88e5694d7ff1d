package data

import (
	"fmt"
	"io"
)

// TextCSVOptions configures ReadTextCSV.
type TextCSVOptions struct {
	Delimiter rune       // 0 detects ',', ';' or '\t'
	Header    HeaderMode // HeaderAuto: a first row whose label does not recur below is a header
	Text      string     // text column, by name or index; empty: the column (not the label) with the longest average text
	Label     string     // label column, by name or index; empty: the last column
	NoLabel   bool       // texts only (prediction)
	Labels    *LabelMap  // the training label map, at prediction time
}

// TextTable is a file of labelled texts, e.g. "label<TAB>subject" lines.
type TextTable struct {
	Delimiter  rune
	HasHeader  bool
	TextColumn string
	// TextChosen is set when the text column was not given and was chosen
	// as the one with the longest average text.
	TextChosen  bool
	LabelColumn string // "" without labels
	Texts       []string
	Y           []int     // class index of each text
	Labels      *LabelMap // nil without labels
	Lines       []int     // 1-based line of each text
}

// Describe says what was read, e.g. "4268 texts, label column `label` with 2 classes".
func (t *TextTable) Describe() string {
	s := fmt.Sprintf("%d texts from column `%s`", len(t.Texts), t.TextColumn)
	if t.TextChosen {
		s += " (the column with the longest average text; TextCSVOptions.Text to choose another)"
	}
	if t.Labels != nil {
		s += fmt.Sprintf(", label column `%s` with %d classes (%s)", t.LabelColumn, t.Labels.Len(), t.Labels.list(8))
		if note := t.Labels.MergedNote(); note != "" {
			s += "; " + note
		}
	}
	return s
}

// ReadTextCSV reads texts and their labels from a CSV or TSV file. Labels
// are mapped to class indices in sorted order (LabelMap); an empty text is
// kept (it encodes to padding), an empty label is an error naming the line.
func ReadTextCSV(r io.Reader, opts TextCSVOptions) (*TextTable, error) {
	rs, err := readRecords(r, opts.Delimiter, opts.Header)
	if err != nil {
		return nil, err
	}
	t := &TextTable{Delimiter: rs.delim, HasHeader: rs.hasHeader}
	lj := -1
	if !opts.NoLabel {
		spec := opts.Label
		if spec == "" {
			spec = "-1"
		}
		if lj, err = resolveColumn(spec, rs.columns, "label"); err != nil {
			return nil, err
		}
		t.LabelColumn = rs.columns[lj]
	}
	tj := -1
	if opts.Text != "" {
		if tj, err = resolveColumn(opts.Text, rs.columns, "text"); err != nil {
			return nil, err
		}
	} else {
		tj = longestText(rs, lj)
		t.TextChosen = tj >= 0 && len(rs.columns) > 2
	}
	if tj < 0 || tj == lj {
		return nil, fmt.Errorf("no text column: the file has columns %s and the label is `%s`; a text file needs a text column and a label column",
			shortList(rs.columns, 8), t.LabelColumn)
	}
	t.TextColumn = rs.columns[tj]
	for i, rec := range rs.recs {
		t.Texts = append(t.Texts, rec[tj])
		t.Lines = append(t.Lines, rs.lines[i])
	}
	if lj < 0 {
		return t, nil
	}
	if err := t.readLabels(rs, lj, opts.Labels); err != nil {
		return nil, err
	}
	if lm := t.Labels; lm.Len() > len(t.Texts)/2 && len(t.Texts) >= 10 {
		return nil, fmt.Errorf("label column `%s` has %d distinct values for %d texts: it does not look like a label (is it the text?); choose the columns with Text and Label",
			t.LabelColumn, lm.Len(), len(t.Texts))
	}
	return t, nil
}

// longestText is the column, other than the label's lj, with the longest
// average text (ids, codes and dates are short): the first of equals.
func longestText(rs *records, lj int) int {
	tj, best := -1, -1.0
	for j := range rs.columns {
		if j == lj {
			continue
		}
		n := 0
		for _, rec := range rs.recs {
			if j < len(rec) {
				n += len([]rune(rec[j]))
			}
		}
		if avg := float64(n) / float64(max(len(rs.recs), 1)); avg > best {
			tj, best = j, avg
		}
	}
	return tj
}

// readLabels reads the label column lj into t.Y and t.Labels, with the
// classes of labels (nil: those of the file, sorted as NewLabelMap does).
func (t *TextTable) readLabels(rs *records, lj int, labels *LabelMap) error {
	lm := labels
	if lm == nil {
		var seen []string
		for i, rec := range rs.recs {
			if rec[lj] == "" {
				return fmt.Errorf("line %d, label column %d `%s`: the label is empty; every text needs a label", rs.lines[i], lj, t.LabelColumn)
			}
			seen = append(seen, rec[lj])
		}
		lm = NewLabelMap(seen)
	}
	idx := make(map[string]int, lm.Len())
	for k, c := range lm.Classes {
		idx[c] = k
	}
	for i, rec := range rs.recs {
		k, ok := idx[rec[lj]]
		if !ok {
			var err error
			if k, err = lm.Index(rec[lj]); err != nil {
				return fmt.Errorf("line %d, label column %d `%s`: %w", rs.lines[i], lj, t.LabelColumn, err)
			}
			idx[rec[lj]] = k
		}
		t.Y = append(t.Y, k)
	}
	t.Labels = lm
	return nil
}
