package data

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// Series is a multivariate time series: Rows rows (time steps) of
// len(Names) columns, row-major in Data.
type Series struct {
	Names []string
	Rows  int
	Data  []float32 // Rows × len(Names), row-major
	// Offset is the row number of row 0 in the series this one was cut from
	// (by Slice or SplitByTime), so descriptions give the original rows.
	Offset int
	// RowLabels, when not nil, names each row (e.g. its date) in
	// descriptions; it has Rows entries.
	RowLabels []string
}

// NewSeries checks the sizes and wraps data (not copied).
func NewSeries(names []string, data []float32) (*Series, error) {
	if len(names) == 0 {
		return nil, errors.New("a series needs at least one column name")
	}
	if len(data)%len(names) != 0 {
		return nil, fmt.Errorf("series data has %d values, which is not a whole number of rows of %d columns (%s)",
			len(data), len(names), shortList(names, 8))
	}
	return &Series{Names: names, Rows: len(data) / len(names), Data: data}, nil
}

// Cols is the number of columns.
func (s *Series) Cols() int { return len(s.Names) }

// ColumnIndex returns the index of a column by name or 0-based index.
func (s *Series) ColumnIndex(spec string) (int, error) {
	return resolveColumn(spec, s.Names, "series")
}

// Column returns a copy of one column.
func (s *Series) Column(spec string) ([]float32, error) {
	j, err := s.ColumnIndex(spec)
	if err != nil {
		return nil, err
	}
	c := make([]float32, s.Rows)
	for i := range c {
		c[i] = s.Data[i*s.Cols()+j]
	}
	return c, nil
}

// RowTensor returns each row as a sequence of Cols steps with one channel,
// (Rows, Cols, 1): the Conv1D reading of flat feature rows (e.g. a Table's
// features after scaling), copied.
func (s *Series) RowTensor() *tensor.Tensor {
	return tensor.FromSlice(append([]float32(nil), s.Data...), s.Rows, s.Cols(), 1)
}

// check reports a nil series or one whose Data does not hold Rows rows of
// its columns.
func (s *Series) check() error {
	if s == nil {
		return errors.New("the series is nil: read one with ReadSeries (or make a Series with Names, Rows and Data)")
	}
	if s.Rows < 0 || len(s.Data) != s.Rows*len(s.Names) {
		return fmt.Errorf("the series is inconsistent: %d rows of %d columns need %d values, it holds %d", s.Rows, len(s.Names), s.Rows*len(s.Names), len(s.Data))
	}
	return nil
}

// Slice returns rows [from, to), sharing data.
func (s *Series) Slice(from, to int) *Series {
	c := s.Cols()
	out := &Series{Names: s.Names, Rows: to - from, Data: s.Data[from*c : to*c], Offset: s.Offset + from}
	if len(s.RowLabels) == s.Rows {
		out.RowLabels = s.RowLabels[from:to]
	}
	return out
}

// SplitByTime cuts the series into consecutive train, validation and test
// parts: the first fraction train of the rows, the next fraction val, and the
// rest. Rows are never shuffled across the cut, so the model is validated on
// the future of what it was trained on. Boundaries are int(rows*train) and
// int(rows*(train+val)), as in the Keras time-series tutorial.
func (s *Series) SplitByTime(train, val float64) (tr, va, te *Series, err error) {
	if !(train > 0 && train <= 1) || !(val >= 0 && val < 1) || train+val > 1+1e-9 {
		return nil, nil, nil, fmt.Errorf("split fractions train=%g val=%g are invalid: expected 0 < train ≤ 1, 0 ≤ val, train+val ≤ 1 (the test part is the rest)", train, val)
	}
	a := int(float64(s.Rows) * train)
	b := min(int(float64(s.Rows)*(train+val)), s.Rows)
	if a == 0 {
		return nil, nil, nil, fmt.Errorf("split train=%g of %d rows leaves no training rows", train, s.Rows)
	}
	return s.Slice(0, a), s.Slice(a, b), s.Slice(b, s.Rows), nil
}

// WindowOptions are the sliding-window settings. They follow Keras'
// timeseries_dataset_from_array: window k starts at row Start(k) = k*Stride
// and holds rows Start, Start+SamplingRate, ..., Start+(Window-1)*SamplingRate.
// Its target is the row Horizon rows after the last row of the window. With
// Horizon 1 it is the next row (forecast one step ahead). The same windows
// and targets, in the same order, come out of Keras'
// timeseries_dataset_from_array(data, targets=data[offset:],
// sequence_length=Window, sequence_stride=Stride, sampling_rate=SamplingRate)
// with offset = (Window-1)*SamplingRate + Horizon. (Windows end as late as
// the data allows, as in current Keras; Keras 2 stopped SamplingRate-1 rows
// earlier when SamplingRate > 1.)
type WindowOptions struct {
	Window       int      // rows per window (Keras sequence_length); required
	Horizon      int      // rows from the last window row to the target row; 0 = the last row itself
	Stride       int      // rows between window starts (sequence_stride); 0 means 1
	SamplingRate int      // rows between steps inside a window (sampling_rate); 0 means 1
	Inputs       []string // columns fed to the model (name or index); empty = all
	Targets      []string // columns to predict (name or index); empty = no target
}

// Windows are the windows of a series as tensors.
type Windows struct {
	X          *tensor.Tensor // (n, Window, len(Inputs))
	Y          *tensor.Tensor // (n, len(Targets)), nil without targets
	Starts     []int          // series row of each window's first row
	TargetRows []int          // series row of each window's target
	Inputs     []string       // input column names
	Targets    []string       // target column names
	Options    WindowOptions  // with defaults filled in
	Offset     int            // the series' Offset, added to row numbers in Describe

	series *Series // row numbers and labels for Describe (no data used)
}

// Len is the number of windows.
func (w *Windows) Len() int { return len(w.Starts) }

// plan resolves the options against s.
func (o WindowOptions) plan(s *Series) (o2 WindowOptions, in, tg []int, n int, err error) {
	if o.Stride == 0 {
		o.Stride = 1
	}
	if o.SamplingRate == 0 {
		o.SamplingRate = 1
	}
	switch {
	case o.Window < 1:
		return o, nil, nil, 0, fmt.Errorf("window length %d is invalid: expected a window of at least 1 row", o.Window)
	case o.Horizon < 0:
		return o, nil, nil, 0, fmt.Errorf("horizon %d is invalid: expected 0 (target is the window's last row) or more (1 = the next row)", o.Horizon)
	case o.Stride < 1 || o.SamplingRate < 1:
		return o, nil, nil, 0, fmt.Errorf("stride %d and sampling rate %d must be at least 1", o.Stride, o.SamplingRate)
	}
	if len(o.Inputs) == 0 {
		o.Inputs = append([]string(nil), s.Names...)
	}
	for _, c := range o.Inputs {
		j, err := resolveColumn(c, s.Names, "input")
		if err != nil {
			return o, nil, nil, 0, err
		}
		in = append(in, j)
	}
	for _, c := range o.Targets {
		j, err := resolveColumn(c, s.Names, "target")
		if err != nil {
			return o, nil, nil, 0, err
		}
		tg = append(tg, j)
	}
	span := (o.Window-1)*o.SamplingRate + 1
	if len(tg) > 0 {
		span += o.Horizon
	}
	if s.Rows < span {
		return o, nil, nil, 0, fmt.Errorf("the series has %d rows but one window needs %d (window %d, sampling rate %d, horizon %d): use a shorter window or more data",
			s.Rows, span, o.Window, o.SamplingRate, o.Horizon)
	}
	n = (s.Rows-span)/o.Stride + 1
	return o, in, tg, n, nil
}

// MakeWindows cuts s into windows; see WindowOptions for the alignment.
func MakeWindows(s *Series, o WindowOptions) (*Windows, error) {
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("MakeWindows: %w", err)
	}
	o, in, tg, n, err := o.plan(s)
	if err != nil {
		return nil, err
	}
	c := s.Cols()
	w := &Windows{Options: o, Offset: s.Offset, X: tensor.New(n, o.Window, len(in)),
		series: &Series{Names: s.Names, Rows: s.Rows, Offset: s.Offset, RowLabels: s.RowLabels}}
	for _, j := range in {
		w.Inputs = append(w.Inputs, s.Names[j])
	}
	for _, j := range tg {
		w.Targets = append(w.Targets, s.Names[j])
	}
	if len(tg) > 0 {
		w.Y = tensor.New(n, len(tg))
	}
	x := w.X.Data
	for k := 0; k < n; k++ {
		start := k * o.Stride
		w.Starts = append(w.Starts, start)
		for t := 0; t < o.Window; t++ {
			row := s.Data[(start+t*o.SamplingRate)*c:]
			base := (k*o.Window + t) * len(in)
			for ci, j := range in {
				x[base+ci] = row[j]
			}
		}
		if len(tg) > 0 {
			tr := start + (o.Window-1)*o.SamplingRate + o.Horizon
			w.TargetRows = append(w.TargetRows, tr)
			for ti, j := range tg {
				w.Y.Data[k*len(tg)+ti] = s.Data[tr*c+j]
			}
		}
	}
	return w, nil
}

// DescribeWindows says in words which rows the first two windows of s take
// and which row each predicts, e.g.
//
//	window 0: rows 0–13 → target row 14 (temp_max)
//	window 1: rows 1–14 → target row 15 (temp_max)
//	1446 windows of 14 steps × 4 channels
//
// It checks the options as MakeWindows does, without building the tensors.
func DescribeWindows(s *Series, o WindowOptions) (string, error) {
	o, in, tg, n, err := o.plan(s)
	if err != nil {
		return "", err
	}
	var names []string
	for _, j := range tg {
		names = append(names, s.Names[j])
	}
	var b strings.Builder
	for k := 0; k < min(n, 2); k++ {
		start := k * o.Stride
		last := start + (o.Window-1)*o.SamplingRate
		tr := -1
		if len(tg) > 0 {
			tr = last + o.Horizon
		}
		describeWindow(&b, k, start, last, tr, o.SamplingRate, s, names)
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d %s of %d %s × %d %s", n, plural(n, "window", "windows"), o.Window, plural(o.Window, "step", "steps"),
		len(in), plural(len(in), "channel", "channels"))
	return b.String(), nil
}

// describeWindow writes one line: window k takes rows start..last of s
// (every rate-th) and predicts targetRow (-1: none).
func describeWindow(b *strings.Builder, k, start, last, targetRow, rate int, s *Series, targets []string) {
	fmt.Fprintf(b, "window %d: rows %d–%d", k, s.Offset+start, s.Offset+last)
	if rate > 1 {
		fmt.Fprintf(b, " every %d", rate)
	}
	if l := s.rowLabel(start); l != "" {
		fmt.Fprintf(b, " (%s–%s)", l, s.rowLabel(last))
	}
	if targetRow >= 0 {
		fmt.Fprintf(b, " → target row %d", s.Offset+targetRow)
		if l := s.rowLabel(targetRow); l != "" {
			fmt.Fprintf(b, " %s", l)
		}
		fmt.Fprintf(b, " (%s)", strings.Join(targets, ", "))
	}
}

// rowLabel is the label of row i, "" without labels.
func (s *Series) rowLabel(i int) string {
	if len(s.RowLabels) != s.Rows || i < 0 || i >= s.Rows {
		return ""
	}
	return s.RowLabels[i]
}

// Describe is DescribeWindows for windows already made: the first two
// windows' rows and targets and the tensor shapes.
func (w *Windows) Describe() string {
	var b strings.Builder
	for k := 0; k < min(w.Len(), 2); k++ {
		start := w.Starts[k]
		last := start + (w.Options.Window-1)*w.Options.SamplingRate
		tr := -1
		if w.Y != nil {
			tr = w.TargetRows[k]
		}
		describeWindow(&b, k, start, last, tr, w.Options.SamplingRate, w.series, w.Targets)
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "x %s", tensor.ShapeString(w.X.Shape, false))
	if w.Y != nil {
		fmt.Fprintf(&b, ", y %s", tensor.ShapeString(w.Y.Shape, false))
	}
	return b.String()
}

// Scaler kinds.
const (
	ScaleStandard = "standard" // (x - mean) / std, population std
	ScaleMinMax   = "minmax"   // (x - min) / (max - min), into [0, 1]
)

// Scaler rescales the columns of a series: x' = (x - Offset[j]) / Scale[j].
// Fit it on the training part only (FitScaler), then apply it to every
// part and to new data at prediction time; Inverse undoes it on predictions.
// It marshals to JSON as is, to be saved with the model.
type Scaler struct {
	Kind    string    `json:"kind"`    // ScaleStandard or ScaleMinMax
	Columns []string  `json:"columns"` // column names, in order
	Offset  []float64 `json:"offset"`  // mean (standard) or min (minmax)
	Scale   []float64 `json:"scale"`   // std or max-min; 1 for a constant column
	Rows    int       `json:"rows"`    // rows it was fitted on
}

// Describe says what the scaler does, e.g. "standard scaler fitted on 1022
// rows: temp_max mean 16.2 std 7.18, wind mean 3.24 std 1.43".
func (sc *Scaler) Describe() string {
	if sc == nil {
		return "no scaler"
	}
	a, b := "mean", "std"
	if sc.Kind == ScaleMinMax {
		a, b = "min", "range"
	}
	parts := make([]string, 0, len(sc.Columns))
	for j, c := range sc.Columns {
		if j == 8 {
			parts = append(parts, fmt.Sprintf("… %d more", len(sc.Columns)-8))
			break
		}
		if j < len(sc.Offset) && j < len(sc.Scale) {
			parts = append(parts, fmt.Sprintf("%s %s %.3g %s %.3g", c, a, sc.Offset[j], b, sc.Scale[j]))
		}
	}
	return fmt.Sprintf("%s scaler fitted on %d rows: %s", sc.Kind, sc.Rows, strings.Join(parts, ", "))
}

// FitScaler computes the scaling of each column of s (the training part).
func FitScaler(kind string, s *Series) (*Scaler, error) {
	if kind != ScaleStandard && kind != ScaleMinMax {
		return nil, fmt.Errorf("unknown scaler %q: expected %q or %q", kind, ScaleStandard, ScaleMinMax)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.Rows == 0 {
		return nil, errors.New("cannot fit a scaler on an empty series: the training part has no rows")
	}
	c := s.Cols()
	sc := &Scaler{Kind: kind, Columns: append([]string(nil), s.Names...), Offset: make([]float64, c), Scale: make([]float64, c), Rows: s.Rows}
	for j := 0; j < c; j++ {
		switch kind {
		case ScaleStandard:
			var sum float64
			for i := 0; i < s.Rows; i++ {
				sum += float64(s.Data[i*c+j])
			}
			mean := sum / float64(s.Rows)
			var ss float64
			for i := 0; i < s.Rows; i++ {
				d := float64(s.Data[i*c+j]) - mean
				ss += d * d
			}
			sc.Offset[j], sc.Scale[j] = mean, math.Sqrt(ss/float64(s.Rows))
		case ScaleMinMax:
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := 0; i < s.Rows; i++ {
				v := float64(s.Data[i*c+j])
				lo, hi = min(lo, v), max(hi, v)
			}
			sc.Offset[j], sc.Scale[j] = lo, hi-lo
		}
		if sc.Scale[j] == 0 || math.IsNaN(sc.Scale[j]) {
			sc.Scale[j] = 1
		}
	}
	return sc, nil
}

// check verifies the scaler applies to columns names.
func (sc *Scaler) columns(names []string) ([]int, error) {
	if sc == nil {
		return nil, errors.New("the scaler is nil: fit one with FitScaler on the training part (or apply none)")
	}
	if len(sc.Offset) != len(sc.Columns) || len(sc.Scale) != len(sc.Columns) {
		return nil, fmt.Errorf("scaler is corrupt: %d columns but %d offsets and %d scales", len(sc.Columns), len(sc.Offset), len(sc.Scale))
	}
	idx := make([]int, len(names))
	for k, n := range names {
		idx[k] = -1
		for j, c := range sc.Columns {
			if c == n {
				idx[k] = j
			}
		}
		if idx[k] < 0 {
			return nil, fmt.Errorf("scaler has no column %q: it was fitted on %s", n, shortList(sc.Columns, 12))
		}
	}
	return idx, nil
}

// Transform returns a scaled copy of s. Its columns must all be known to the
// scaler (matched by name, in any order).
func (sc *Scaler) Transform(s *Series) (*Series, error) {
	return sc.apply(s, false)
}

// Inverse undoes Transform.
func (sc *Scaler) Inverse(s *Series) (*Series, error) {
	return sc.apply(s, true)
}

func (sc *Scaler) apply(s *Series, inverse bool) (*Series, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	out := &Series{Names: s.Names, Rows: s.Rows, Data: make([]float32, len(s.Data)), Offset: s.Offset}
	if err := sc.applyValues(s.Names, s.Data, out.Data, inverse); err != nil {
		return nil, err
	}
	return out, nil
}

// TransformValues scales data, rows of the columns names (e.g. the targets),
// in place.
func (sc *Scaler) TransformValues(names []string, data []float32) error {
	return sc.applyValues(names, data, data, false)
}

// InverseValues undoes the scaling of data, rows of the columns names, in
// place: use it on a model's predictions of (n, len(names)).
func (sc *Scaler) InverseValues(names []string, data []float32) error {
	return sc.applyValues(names, data, data, true)
}

func (sc *Scaler) applyValues(names []string, in, out []float32, inverse bool) error {
	idx, err := sc.columns(names)
	if err != nil {
		return err
	}
	c := len(names)
	if c == 0 || len(in)%c != 0 {
		return fmt.Errorf("%d values are not whole rows of %d columns", len(in), c)
	}
	for i := 0; i < len(in); i += c {
		for k, j := range idx {
			if inverse {
				out[i+k] = float32(float64(in[i+k])*sc.Scale[j] + sc.Offset[j])
			} else {
				out[i+k] = float32((float64(in[i+k]) - sc.Offset[j]) / sc.Scale[j])
			}
		}
	}
	return nil
}
