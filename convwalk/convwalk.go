// Package convwalk works out a 1-D convolution by hand, window by
// window, the way the Conv1D tutorial does in NumPy:
//
//	[0 3] * [1 2] = [0 6] → sum 6
//	[3 4] * [1 2] = [3 8] → sum 11
//	[4 5] * [1 2] = [4 10] → sum 14
//	Conv1d output [6 11 14]
//
// It follows Keras' Conv1D exactly (channels-last input, kernel layout
// (kernel_size, channels, filters), TensorFlow's padding rule) and takes
// its lengths and padding from layers.ConvOutput, the same function the
// layer uses, so the explanation and the layer cannot disagree. It is the
// engine of the `seqnet explain` command.
package convwalk

import (
	"fmt"
	"math"

	"github.com/seqnet/seqnet/layers"
)

// Spec is one convolution to explain: a single sample.
type Spec struct {
	// Input is (steps, channels).
	Input [][]float64
	// Kernel is (kernel_size, channels, filters), Keras' layout.
	Kernel [][][]float64
	// Bias has one value per filter; nil means use_bias=False.
	Bias []float64
	// Strides and Dilation default to 1 when 0.
	Strides, Dilation int
	// Padding is "valid" (the default when empty), "same" or "causal".
	Padding string
}

// FilterStep is one filter applied to one window.
type FilterStep struct {
	Filter int
	// Weights is this filter's slice of the kernel, (kernel_size, channels).
	Weights [][]float64
	// Products is window × weights element by element, (kernel_size, channels).
	Products [][]float64
	// Sum is the sum of Products; Output is Sum + Bias.
	Sum, Bias, Output float64
}

// Window is the part of the padded input one output step sees.
type Window struct {
	// Step is the output step.
	Step int
	// Positions are the rows of the padded input the kernel taps:
	// Step*strides + j*dilation for j = 0 … kernel_size-1.
	Positions []int
	// Values are those rows, (kernel_size, channels).
	Values  [][]float64
	Filters []FilterStep
}

// Result is a worked-out convolution.
type Result struct {
	Spec Spec
	// Steps, Channels, KernelSize and Filters are the sizes involved.
	Steps, Channels, KernelSize, Filters int
	// Geometry is layers.ConvOutput's answer: padding, output length and
	// the formula with the numbers filled in.
	Geometry layers.ConvGeometry
	// Padded is the input with Geometry.PadLeft zero rows before and
	// Geometry.PadRight after, (PadLeft+steps+PadRight, channels).
	Padded  [][]float64
	Windows []Window
	// Output is (output_length, filters).
	Output [][]float64
}

// MaxSteps bounds the padded input and the windows an explanation walks:
// it writes out every one, so it is meant for small examples.
const MaxSteps = 100000

// Explain checks the spec and computes the convolution window by window.
// An impossible configuration is an error that says what is wrong and how
// to fix it.
func Explain(s Spec) (*Result, error) {
	if s.Strides == 0 {
		s.Strides = 1
	}
	if s.Dilation == 0 {
		s.Dilation = 1
	}
	if s.Padding == "" {
		s.Padding = "valid"
	}
	r := &Result{Spec: s}
	if err := r.sizes(s); err != nil {
		return nil, err
	}
	if s.Strides > 1 && s.Dilation > 1 {
		return nil, fmt.Errorf("strides > 1 together with dilation > 1 is not supported (received strides=%d, dilation=%d), as in Keras: use one or the other",
			s.Strides, s.Dilation)
	}
	g, err := layers.ConvOutput(r.Steps, r.KernelSize, s.Strides, s.Dilation, s.Padding)
	if err != nil {
		if s.Padding == "valid" && r.Steps < (r.KernelSize-1)*max(s.Dilation, 1)+1 && s.Strides > 0 && s.Dilation > 0 {
			return nil, fmt.Errorf("%v; use a kernel_size of at most %d, padding \"same\" or \"causal\", or a longer input", err, maxKernel(r.Steps, s.Dilation))
		}
		return nil, err
	}
	if padded := g.PadLeft + r.Steps + g.PadRight; padded > MaxSteps || g.OutLength > MaxSteps {
		return nil, fmt.Errorf("the explanation would walk %d padded steps and %d windows (%s): it prints every one, so at most %d are explained; use a smaller dilation or kernel, or a shorter input",
			padded, g.OutLength, g.Formula, MaxSteps)
	}
	r.Geometry = g
	zero := make([]float64, r.Channels)
	for range g.PadLeft {
		r.Padded = append(r.Padded, zero)
	}
	r.Padded = append(r.Padded, s.Input...)
	for range g.PadRight {
		r.Padded = append(r.Padded, zero)
	}
	if err := r.walk(s); err != nil {
		return nil, err
	}
	return r, nil
}

// sizes reads the sizes of the input, kernel and bias into r and checks
// that they fit together.
func (r *Result) sizes(s Spec) error {
	if len(s.Input) == 0 || len(s.Input[0]) == 0 {
		return fmt.Errorf("the input is empty: give at least one step, e.g. 0,3,4,5")
	}
	r.Steps, r.Channels = len(s.Input), len(s.Input[0])
	for i, row := range s.Input {
		if len(row) != r.Channels {
			return fmt.Errorf("input step %d has %d channels but step 0 has %d: every step needs the same number of channels",
				i, len(row), r.Channels)
		}
	}
	if len(s.Kernel) == 0 || len(s.Kernel[0]) == 0 || len(s.Kernel[0][0]) == 0 {
		return fmt.Errorf("the kernel is empty: give at least one weight, e.g. 1,2")
	}
	r.KernelSize, r.Filters = len(s.Kernel), len(s.Kernel[0][0])
	kc := len(s.Kernel[0])
	for j, tap := range s.Kernel {
		if len(tap) != kc {
			return fmt.Errorf("kernel row %d has %d channels but row 0 has %d: the kernel must be a (kernel_size, channels, filters) box", j, len(tap), kc)
		}
		for c, w := range tap {
			if len(w) != r.Filters {
				return fmt.Errorf("kernel[%d][%d] has %d filters but kernel[0][0] has %d: the kernel must be a (kernel_size, channels, filters) box",
					j, c, len(w), r.Filters)
			}
		}
	}
	if kc != r.Channels {
		return fmt.Errorf("the kernel has shape (%d, %d, %d) but the input has %d channel(s): the kernel layout is (kernel_size, channels, filters), so it needs shape (%d, %d, %d)",
			r.KernelSize, kc, r.Filters, r.Channels, r.KernelSize, r.Channels, r.Filters)
	}
	if s.Bias != nil && len(s.Bias) != r.Filters {
		return fmt.Errorf("%d bias value(s) for %d filter(s): give one bias per filter", len(s.Bias), r.Filters)
	}
	return nil
}

// walk computes every output step: its window of the padded input, and per
// filter the products, their sum, the bias and the output.
func (r *Result) walk(s Spec) error {
	for t := range r.Geometry.OutLength {
		w := Window{Step: t}
		for j := range r.KernelSize {
			p := t*s.Strides + j*s.Dilation
			w.Positions = append(w.Positions, p)
			w.Values = append(w.Values, r.Padded[p])
		}
		out := make([]float64, r.Filters)
		for f := range r.Filters {
			fs := FilterStep{Filter: f}
			for j := range r.KernelSize {
				wr := make([]float64, r.Channels)
				pr := make([]float64, r.Channels)
				for c := range r.Channels {
					wr[c] = s.Kernel[j][c][f]
					pr[c] = w.Values[j][c] * wr[c]
					fs.Sum += pr[c]
				}
				fs.Weights = append(fs.Weights, wr)
				fs.Products = append(fs.Products, pr)
			}
			if s.Bias != nil {
				fs.Bias = s.Bias[f]
			}
			fs.Output = fs.Sum + fs.Bias
			if math.Abs(fs.Output) > math.MaxFloat32 {
				return fmt.Errorf("output step %d, filter %d is %g, beyond float32's range: use smaller numbers", t, f, fs.Output)
			}
			out[f] = fs.Output
			w.Filters = append(w.Filters, fs)
		}
		r.Windows = append(r.Windows, w)
		r.Output = append(r.Output, out)
	}
	return nil
}

// maxKernel is the largest kernel_size whose reach fits in steps.
func maxKernel(steps, dilation int) int {
	return (steps-1)/dilation + 1
}
