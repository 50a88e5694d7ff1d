package convwalk

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteText prints the worked example: sizes, the output-length formula
// with the numbers filled in, the padded input, one line per window and
// filter (window * weights = products → sum [+ bias]) and the output, in
// the NumPy style of the tutorial.
//
// With one filter and no padding, strides or dilation the window lines are
// exactly the tutorial's; otherwise each line says which output step it
// makes and which rows of the padded input it reads.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	s, g := r.Spec, r.Geometry
	fmt.Fprintf(&b, "input: %d %s × %d %s: %s\n", r.Steps, plural(r.Steps, "step"), r.Channels, plural(r.Channels, "channel"), matrix(s.Input))
	fmt.Fprintf(&b, "kernel: kernel_size %d × %d %s × %d %s (Keras layout (kernel_size, channels, filters))",
		r.KernelSize, r.Channels, plural(r.Channels, "channel"), r.Filters, plural(r.Filters, "filter"))
	if s.Bias != nil {
		fmt.Fprintf(&b, ", bias %s", vector(s.Bias))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "strides %d, dilation %d, padding %s\n", s.Strides, s.Dilation, s.Padding)
	if s.Dilation > 1 {
		fmt.Fprintf(&b, "K = (kernel_size - 1)*dilation + 1 = (%d - 1)*%d + 1 = %d: the kernel's reach\n", r.KernelSize, s.Dilation, g.EffectiveKernel)
	}
	fmt.Fprintf(&b, "output length: %s\n", g.Formula)
	if g.PadLeft+g.PadRight == 0 {
		fmt.Fprintf(&b, "padded input: no padding, %s\n", matrix(r.Padded))
	} else {
		fmt.Fprintf(&b, "padded input: %d zero %s left, %d right: %s (%d steps, numbered 0 to %d)\n",
			g.PadLeft, plural(g.PadLeft, "step"), g.PadRight, matrix(r.Padded), len(r.Padded), len(r.Padded)-1)
	}
	b.WriteString("\n")
	plain := r.Filters == 1 && g.PadLeft+g.PadRight == 0 && s.Strides == 1 && s.Dilation == 1
	for _, win := range r.Windows {
		where := fmt.Sprintf("out[%d] ← padded %s %s", win.Step, plural(len(win.Positions), "step"), ints(win.Positions))
		if r.Filters > 1 {
			fmt.Fprintf(&b, "%s:\n", where)
		}
		for _, fs := range win.Filters {
			line := fmt.Sprintf("%s * %s = %s → sum %s", matrix(win.Values), matrix(fs.Weights), matrix(fs.Products), num(fs.Sum))
			if s.Bias != nil {
				line += fmt.Sprintf(" + bias %s = %s", num(fs.Bias), num(fs.Output))
			}
			switch {
			case r.Filters > 1:
				fmt.Fprintf(&b, "  filter %d: %s\n", fs.Filter, line)
			case plain:
				fmt.Fprintf(&b, "%s\n", line)
			default:
				fmt.Fprintf(&b, "%s: %s\n", where, line)
			}
		}
	}
	fmt.Fprintf(&b, "Conv1d output %s\n", matrix(r.Output))
	fmt.Fprintf(&b, "output shape (%d, %d): %d %s × %d %s\n", g.OutLength, r.Filters,
		g.OutLength, plural(g.OutLength, "step"), r.Filters, plural(r.Filters, "filter"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// num formats a value as float32 prints it: shortest form, no exponent
// for whole numbers.
func num(v float64) string {
	f := float64(float32(v))
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		if f == 0 {
			return "0" // no "-0"
		}
		return strconv.FormatFloat(f, 'f', -1, 32)
	}
	return strconv.FormatFloat(f, 'g', -1, 32)
}

func vector(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = num(x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// matrix prints rows of one column as a flat vector ([0 3 4 5]) and wider
// rows as nested brackets ([[0 0] [3 6]]).
func matrix(m [][]float64) string {
	if len(m) > 0 && len(m[0]) == 1 {
		col := make([]float64, len(m))
		for i, row := range m {
			col[i] = row[0]
		}
		return vector(col)
	}
	parts := make([]string, len(m))
	for i, row := range m {
		parts[i] = vector(row)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func ints(v []int) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
