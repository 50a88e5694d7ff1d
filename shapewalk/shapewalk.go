// Package shapewalk walks a batch shape through a stack of layers written
// as "conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1"
// and explains, per layer, the output shape, the formula with the numbers
// filled in and the parameter count. When a layer cannot take its input it
// says which one, shows the arithmetic and suggests the fix in terms of
// the user's own batch shape.
//
// It is the engine of the `seqnet shape` command and of the Shapes panel of
// `seqnet studio`, so both give the same answers. Output lengths come from
// layers.ConvOutput, the function the layers themselves use.
package shapewalk

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// Row is one line of the shape table.
type Row struct {
	Layer, Shape, Params, Formula string
}

// Table is a walk through a stack: the input row, then one row per layer.
type Table struct {
	Rows []Row
	// Total and Trainable count the parameters; they are set only when
	// the whole stack was walked.
	Total, Trainable int
	// Complete is false when a layer could not take its input: Rows then
	// ends with the last layer that could.
	Complete bool
}

// LayerError is a layer that cannot take its input. Its message says
// which layer, what it received, the arithmetic and the likely fix.
type LayerError struct {
	// Layer is the 1-based position in the stack.
	Layer int
	Msg   string
}

func (e *LayerError) Error() string { return e.Msg }

// Walk parses the batch shape (e.g. "16070,45,1" or "(None, 45, 1)") and
// the layer specs and walks the shape through them. On a user error it
// returns the table so far (Complete false) and an error whose text says
// what is wrong and how to fix it; a layer that cannot take its input is a
// *LayerError. The messages call the batch shape "input" and write a shape
// to try as the Go string to pass, input "16070,45,1" (NameInput rewrites
// them for a caller that takes the shape from a flag).
func Walk(input string, specs []string) (*Table, error) {
	t := &Table{}
	batch, sample, err := ParseBatchShape(input)
	if err != nil {
		return t, fmt.Errorf("input: %w", err)
	}
	if len(specs) == 0 {
		return t, fmt.Errorf("give at least one layer spec, e.g. conv1d:filters=128,kernel_size=10 flatten dense:units=1")
	}
	shapeStr := func(s layers.Shape) string { return BatchShapeString(batch, s) }

	t.Rows = []Row{{"input (InputLayer)", shapeStr(sample), "0", "batch shape as given"}}
	var total, trainable int
	cur := []layers.Shape{sample}
	used := map[string]int{}
	for i, spec := range specs {
		class, cfg, err := ParseLayerSpec(spec)
		if err != nil {
			return t, fmt.Errorf("layer %d %q: %w", i+1, spec, err)
		}
		l, err := layers.FromConfig(class, cfg)
		if err != nil {
			return t, fmt.Errorf("layer %d %q: %w", i+1, spec, err)
		}
		b := l.Common()
		if b.Name == "" {
			base := layers.SnakeCase(l.ClassName())
			b.Name = base
			if n := used[base]; n > 0 {
				b.Name = fmt.Sprintf("%s_%d", base, n)
			}
			used[base]++
		}
		label := fmt.Sprintf("%s (%s)", b.Name, l.ClassName())
		// Counted, never built: no weight is allocated, whatever the sizes.
		out, count, trainCount, err := layers.Count(l, cur)
		if err != nil {
			ins := make([]string, len(cur))
			for k, s := range cur {
				ins[k] = shapeStr(s)
			}
			msg := fmt.Sprintf("layer %d %s cannot take input %s: ", i+1, label, strings.Join(ins, ", "))
			if d := Diagnose(l, cur, batch); d != "" {
				msg += d
			} else {
				msg += err.Error()
			}
			return t, &LayerError{Layer: i + 1, Msg: msg}
		}
		trainable += trainCount
		formula := Formula(l, cur, out)
		total += count
		outs := make([]string, len(out))
		for k, s := range out {
			outs[k] = shapeStr(s)
		}
		t.Rows = append(t.Rows, Row{label, strings.Join(outs, ", "), strconv.Itoa(count), formula})
		cur = out
	}
	t.Total, t.Trainable, t.Complete = total, trainable, true
	return t, nil
}

// Write prints the rows as aligned columns, then the parameter totals if
// the walk was complete.
func (t *Table) Write(w io.Writer) {
	head := Row{"Layer (type)", "Output Shape", "Param #", "Formula"}
	all := append([]Row{head}, t.Rows...)
	w0, w1, w2 := 0, 0, 0
	for _, r := range all {
		w0 = max(w0, utf8.RuneCountInString(r.Layer))
		w1 = max(w1, utf8.RuneCountInString(r.Shape))
		w2 = max(w2, utf8.RuneCountInString(r.Params))
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-utf8.RuneCountInString(s)) }
	for k, r := range all {
		fmt.Fprintf(w, "%s  %s  %s  %s\n", pad(r.Layer, w0), pad(r.Shape, w1),
			strings.Repeat(" ", w2-utf8.RuneCountInString(r.Params))+r.Params, r.Formula)
		if k == 0 {
			fmt.Fprintln(w, strings.Repeat("─", w0+w1+w2+6+len("Formula")))
		}
	}
	if t.Complete {
		fmt.Fprintf(w, "Total params: %d (trainable %d, non-trainable %d)\n", t.Total, t.Trainable, t.Total-t.Trainable)
	}
}

// geometer is implemented by sliding-window layers (Conv1D, pooling).
type geometer interface{ Geometry() layers.ConvGeometry }

// window reads the sliding-window arguments of a layer from its config:
// kernel_size or pool_size, strides, dilation_rate and padding. word is
// "kernel" or "pool"; ok is false for layers without a window.
func window(l layers.Layer) (word string, kernel, strides, dilation int, padding string, ok bool) {
	c := layers.Config(l.Config())
	key, word := "kernel_size", "kernel"
	if !c.Has(key) {
		key, word = "pool_size", "pool"
	}
	if !c.Has(key) {
		return "", 0, 0, 0, "", false
	}
	var err error
	if kernel, err = c.Int(key, 0); err != nil {
		return "", 0, 0, 0, "", false
	}
	if strides, err = c.Int("strides", kernel); err != nil {
		return "", 0, 0, 0, "", false
	}
	if dilation, err = c.Int("dilation_rate", 1); err != nil {
		return "", 0, 0, 0, "", false
	}
	if padding, err = c.String("padding", "valid"); err != nil {
		return "", 0, 0, 0, "", false
	}
	return word, kernel, strides, dilation, padding, true
}

// Formula explains how a layer's output shape follows from its input
// shapes (one input and one output; "" otherwise).
func Formula(l layers.Layer, in, out []layers.Shape) string {
	if len(in) != 1 || len(out) != 1 {
		return ""
	}
	s, o := in[0], out[0]
	if g, ok := l.(geometer); ok && len(o) >= 1 && g.Geometry().OutLength == o[0] && g.Geometry().Formula != "" {
		return g.Geometry().Formula
	}
	if _, k, st, d, p, ok := window(l); ok && len(s) == 2 && len(o) >= 1 {
		if g, err := layers.ConvOutput(s[0], k, st, d, p); err == nil && g.OutLength == o[0] {
			return g.Formula
		}
	}
	switch l.ClassName() {
	case "Flatten":
		parts := make([]string, len(s))
		for i, d := range s {
			parts[i] = strconv.Itoa(d)
		}
		if len(parts) == 1 {
			return fmt.Sprintf("%s (already flat)", parts[0])
		}
		return fmt.Sprintf("%s = %d", strings.Join(parts, " × "), o[0])
	case "Dense":
		units := o[len(o)-1]
		if len(s) > 1 {
			return fmt.Sprintf("units = %d, on the last axis of every step (%d → %d)", units, s[len(s)-1], units)
		}
		return fmt.Sprintf("units = %d", units)
	case "Embedding":
		if len(o) == len(s)+1 {
			return fmt.Sprintf("each token id → a vector of output_dim %d", o[len(o)-1])
		}
	}
	if c := layers.Config(l.Config()); c.Has("units") {
		if u, err := c.Int("units", 0); err == nil && len(o) > 0 && o[len(o)-1] == u {
			if len(o) == len(s) && len(o) > 1 {
				return fmt.Sprintf("units = %d at every step", u)
			}
			return fmt.Sprintf("units = %d", u)
		}
	}
	if strings.HasPrefix(l.ClassName(), "Global") && len(s) == 2 && len(o) >= 1 && o[len(o)-1] == s[1] {
		return fmt.Sprintf("one value per channel over %d steps", s[0])
	}
	if tensor.SameShape(s, o) {
		return "shape unchanged"
	}
	return ""
}

// Diagnose explains the common shape mistakes of sliding-window layers
// (Conv1D, pooling) in terms of the user's own batch shape (batch is the
// batch size as written); "" leaves the layer's own error.
func Diagnose(l layers.Layer, in []layers.Shape, batch string) string {
	word, k, st, d, p, ok := window(l)
	if !ok || len(in) != 1 {
		return ""
	}
	s := in[0]
	class := l.ClassName()
	if len(s) == 1 {
		n := s[0]
		msg := fmt.Sprintf("%s needs 3-D input (batch, steps, channels), received 2-D %s; "+
			"if the %d columns are %d steps of 1 feature, use (%s, %d, 1): input \"%s,%d,1\"; "+
			"if they are %d features of a single step, use (%s, 1, %d): input \"%s,1,%d\"",
			class, BatchShapeString(batch, s), n, n, batch, n, batch, n, n, batch, n, batch, n)
		if k > 1 && p == "valid" {
			msg += fmt.Sprintf(" (then a %s of %d fits only with padding=same)", word, k)
		}
		msg += "; if they are token ids, put embedding:input_dim=VOCAB,output_dim=DIM first"
		return msg
	}
	if st > 1 && d > 1 {
		return fmt.Sprintf("strides > 1 together with dilation_rate > 1 is not supported (received strides=%d, dilation_rate=%d), as in Keras: use one or the other", st, d)
	}
	if len(s) != 2 {
		return "" // the layer's own message says it
	}
	_, err := layers.ConvOutput(s[0], k, st, d, p)
	if err == nil {
		return ""
	}
	steps, channels := s[0], s[1]
	keff := (k-1)*max(d, 1) + 1
	// fit is the largest kernel_size whose reach (k-1)·d+1 fits in steps.
	fit := (max(steps, 1)-1)/max(d, 1) + 1
	msg := err.Error()
	if steps < keff && channels >= keff {
		n := channels * steps
		msg += fmt.Sprintf("\n  the data has %d %s of %d channels, so a %s of %d cannot fit\n"+
			"  fix: if each sample is a %d-step series of one feature, the shape is (%s, %d, 1): input \"%s,%d,1\"\n"+
			"  fix: otherwise use padding=same or a %s of %d",
			steps, pluralWord(steps, "step"), channels, word, keff, n, batch, n, batch, n, word, fit)
	} else if steps < keff {
		msg += fmt.Sprintf("\n  fix: use a %s of at most %d, padding=same, or longer sequences", word, fit)
	}
	return msg
}

func pluralWord(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

// ParseBatchShape reads "16070,45,1" (or "(None, 45, 1)") into the batch
// size as written and the per-sample shape.
func ParseBatchShape(s string) (string, layers.Shape, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == 'x' || r == '(' || r == ')' || r == '[' || r == ']'
	})
	if len(fields) < 2 {
		return "", nil, fmt.Errorf("expected the batch shape (batch, steps, channels), e.g. 16070,45,1, received %q", s)
	}
	batch := fields[0]
	switch strings.ToLower(batch) {
	case "none", "?", "-1", "null":
		batch = "None"
	default:
		n, err := strconv.Atoi(batch)
		if err != nil || n <= 0 {
			return "", nil, fmt.Errorf("batch size %q is not a positive integer (use None for unknown)", batch)
		}
	}
	var sample layers.Shape
	for _, f := range fields[1:] {
		n, err := strconv.Atoi(f)
		if err != nil && !errors.Is(err, strconv.ErrRange) || err == nil && n <= 0 {
			return "", nil, fmt.Errorf("dimension %q of %q is not a positive integer", f, s)
		}
		if err != nil || n > layers.MaxDim {
			return "", nil, fmt.Errorf("dimension %q of %q is too large: expected at most %d", f, s, layers.MaxDim)
		}
		sample = append(sample, n)
	}
	return batch, sample, nil
}

// BatchShapeString writes a shape with the batch size as given: (None, 45, 1).
func BatchShapeString(batch string, s layers.Shape) string {
	parts := []string{batch}
	for _, d := range s {
		parts = append(parts, strconv.Itoa(d))
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// ParseLayerSpec reads "conv1d:filters=128,kernel_size=10" into the class
// name and a Config of string values. A comma-separated piece without "="
// continues the previous value ("dims=2,1").
func ParseLayerSpec(spec string) (string, layers.Config, error) {
	name, args, _ := strings.Cut(spec, ":")
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, fmt.Errorf("missing layer name: write name:key=value,…, e.g. conv1d:filters=8,kernel_size=3")
	}
	cfg := layers.Config{}
	last := ""
	if strings.TrimSpace(args) == "" {
		return name, cfg, nil
	}
	for _, piece := range strings.Split(args, ",") {
		k, v, ok := strings.Cut(piece, "=")
		if !ok {
			if last == "" {
				return "", nil, fmt.Errorf("expected key=value after %q, received %q", name+":", piece)
			}
			cfg[last] = cfg[last].(string) + "," + piece
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" {
			return "", nil, fmt.Errorf("empty key in %q: write key=value", piece)
		}
		if _, dup := cfg[k]; dup {
			return "", nil, fmt.Errorf("%s is given twice", k)
		}
		cfg[k] = strings.TrimSpace(v)
		last = k
	}
	return name, cfg, nil
}
