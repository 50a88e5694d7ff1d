package pipeline

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"

	"github.com/seqnet/seqnet/data"
)

// Records reads rows of a CSV-table model, given as column name → value
// (a value as it would appear in the file; "" is missing), exactly as
// training read its file: the feature columns (Features) are required,
// other keys ignored. Rows are named by their index, or by the RowLabel
// column when the pipeline has one and the rows give it.
func (p *Pipeline) Records(rows []map[string]string) (*Batch, error) {
	if p.Kind != KindCSV {
		return nil, p.wrongInput("records (rows of named columns)")
	}
	t, err := p.readRecords(rows, p.Features, p.tableOptions(false))
	if err != nil {
		return nil, err
	}
	b, err := p.tableBatch(t, false)
	if err != nil {
		return nil, err
	}
	indexRows(b)
	return b, nil
}

// Window reads consecutive rows of a time series (oldest first), given as
// column name → value, and cuts them into the model's windows as training
// did: the stored columns (Features) are required. Give exactly the rows of
// one window (Windowing.Window rows, more with a sampling rate above 1) to
// forecast from the latest rows: the one window's prediction is for the
// row Windowing.Horizon after the last given row. More rows give one
// window per Windowing.Stride rows, the last one the forecast.
func (p *Pipeline) Window(rows []map[string]string) (*Batch, error) {
	if p.Kind != KindSeries {
		return nil, p.wrongInput("a window of time-series rows")
	}
	t, err := p.readRecords(rows, p.Features, p.seriesOptions())
	if err != nil {
		return nil, err
	}
	return p.seriesBatch(t, false, 0)
}

// Texts vectorizes texts for a text model; rows are named by index.
func (p *Pipeline) Texts(texts []string) (*Batch, error) {
	if p.Kind != KindText {
		return nil, p.wrongInput("texts")
	}
	if len(texts) == 0 {
		return nil, inputErr("no texts given: expected at least one")
	}
	x, err := p.Vectorizer.EncodeBatch(texts)
	if err != nil {
		return nil, asInput(err)
	}
	// Not fmt.Sprintf: a server vectorizes a few texts per request, and
	// formatting was a tenth of that.
	b := &Batch{X: x, RowName: "index", Report: strconv.Itoa(x.Shape[0]) + " texts × " + strconv.Itoa(x.Shape[1]) + " tokens",
		Rows: make([]string, len(texts))}
	for i := range texts {
		b.Rows[i] = strconv.Itoa(i)
	}
	return b, nil
}

// wrongInput says which input the model reads instead of what.
func (p *Pipeline) wrongInput(what string) error {
	var reads string
	switch p.Kind {
	case KindCSV:
		reads = "table rows of the columns " + shortList(p.Features, 12) + " (Records)"
	case KindSeries:
		reads = "a window of time-series rows of the columns " + shortList(p.Features, 12) + " (Window)"
	case KindText:
		reads = "texts (Texts)"
	case KindNPY:
		reads = "arrays of per-sample shape " + fmt.Sprint(p.XShape) + " (no preprocessing)"
	default:
		reads = "arrays (it has no stored preprocessing)"
	}
	return inputErr("this model cannot read %s: it reads %s", what, reads)
}

// readRecords writes the rows as CSV with the given columns (and the row
// label column, when every row has it) and reads it with opts, so that
// rows received in memory go through the same reader (fill policy,
// number parsing) as the training file.
func (p *Pipeline) readRecords(rows []map[string]string, cols []string, opts data.CSVOptions) (*data.Table, error) {
	if len(rows) == 0 {
		return nil, inputErr("no rows given: expected at least one row of the columns %s", shortList(cols, 12))
	}
	header := append([]string(nil), cols...)
	label := opts.RowLabel
	for _, r := range rows {
		if _, ok := r[label]; !ok {
			label = ""
		}
	}
	if label != "" {
		header = append(header, label)
	}
	opts.RowLabel = label
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	rec := make([]string, len(header))
	for i, r := range rows {
		for j, c := range header {
			v, ok := r[c]
			if !ok {
				return nil, inputErr("row %d has no column %q: expected the columns %s (it has %s)", i, c, shortList(cols, 12), shortList(keys(r), 12))
			}
			rec[j] = v
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	opts.Delimiter, opts.Header = ',', data.HeaderYes
	t, err := data.ReadCSV(&buf, opts)
	if err != nil {
		return nil, asInput(err)
	}
	return t, nil
}

// indexRows names a table's rows by index (row 0 is the file's line 2)
// unless they are named by a row label.
func indexRows(b *Batch) {
	if b.RowName != "line" {
		return
	}
	b.RowName = "index"
	for i, l := range b.Rows {
		n, _ := strconv.Atoi(l)
		b.Rows[i] = strconv.Itoa(n - 2)
	}
}

func keys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
