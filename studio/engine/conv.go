// Package engine is what the `seqnet studio` page computes, as plain data
// ready for JSON: a convolution worked window by window (convwalk, and
// the same numbers from the real layers.Conv1D), a shape walk (shapewalk)
// and the tutorial's three experiments trained one epoch at a time
// (tutorial, model). The page runs this package compiled to WebAssembly
// (studio/wasm), so every number it shows comes from seqnet itself; the
// package has no JavaScript of its own and is tested like any other.
package engine

import (
	"fmt"
	"strings"

	"github.com/seqnet/seqnet/convwalk"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/shapewalk"
	"github.com/seqnet/seqnet/tensor"
)

// ConvRequest is the Convolution panel's form, as typed: Input, Kernel and
// Bias in the syntax of `seqnet explain` (a comma list or JSON).
type ConvRequest struct {
	Input    string `json:"input"`
	Kernel   string `json:"kernel"`
	Bias     string `json:"bias"`
	Strides  int    `json:"strides"`
	Dilation int    `json:"dilation"`
	Padding  string `json:"padding"`
}

// ConvResponse is either a worked convolution or an explanation of why
// the settings are impossible.
type ConvResponse struct {
	// Result is `seqnet explain --json`'s object; nil on error.
	Result *convwalk.JSONResult `json:"result,omitempty"`
	// Kernel is the kernel as parsed, (kernel_size, channels, filters),
	// in float32 as the layer holds it.
	Kernel [][][]float32 `json:"kernel,omitempty"`
	// LayerOutput is what layers.Conv1D's forward pass computes for the
	// same input and weights, (output_length, filters); the page shows it
	// beside the hand-worked output as a check.
	LayerOutput [][]float32 `json:"layer_output,omitempty"`
	// Error says what is wrong and how to fix it.
	Error string `json:"error,omitempty"`
	// ShapeError is what `seqnet shape` says about a Conv1D with these
	// settings on this input, when the settings cannot produce an output.
	ShapeError string `json:"shape_error,omitempty"`
	// ShapeCommand is that `seqnet shape` command line.
	ShapeCommand string `json:"shape_command,omitempty"`
	// Formula is the general output-length formula with this
	// convolution's numbers; nil on error.
	Formula *Formula `json:"formula,omitempty"`
}

// Formula is O = floor((W + P_left + P_right - (K-1)·d - 1)/S) + 1 with
// the numbers of one convolution; it holds for every padding once P_left
// and P_right are known.
type Formula struct {
	W        int `json:"w"`
	PadLeft  int `json:"pad_left"`
	PadRight int `json:"pad_right"`
	K        int `json:"k"`
	D        int `json:"d"`
	S        int `json:"s"`
	// Numerator is W + P_left + P_right - (K-1)·d - 1; Out is O.
	Numerator int `json:"numerator"`
	Out       int `json:"out"`
	// General is the formula in letters; Filled with the numbers.
	General string `json:"general"`
	Filled  string `json:"filled"`
}

// formula fills in the general formula and checks it against the
// geometry layers.ConvOutput computed.
func formula(j *convwalk.JSONResult) (*Formula, error) {
	f := &Formula{W: j.InputShape[0], PadLeft: j.PadLeft, PadRight: j.PadRight, K: j.KernelShape[0], D: j.Dilation, S: j.Strides}
	f.Numerator = f.W + f.PadLeft + f.PadRight - (f.K-1)*f.D - 1
	f.Out = f.Numerator/f.S + 1 // Numerator >= 0 whenever there is an output
	if f.Numerator < 0 || f.Out != j.OutputLength {
		return nil, fmt.Errorf("internal error: the general formula gives %d steps but the layer's geometry %d (%s)", f.Out, j.OutputLength, j.Formula)
	}
	f.General = "O = floor((W + P_left + P_right - (K-1)·d - 1) / S) + 1"
	f.Filled = fmt.Sprintf("O = floor((%d + %d + %d - (%d-1)·%d - 1) / %d) + 1 = floor(%d / %d) + 1 = %d",
		f.W, f.PadLeft, f.PadRight, f.K, f.D, f.S, f.Numerator, f.S, f.Out)
	return f, nil
}

// MaxSteps and MaxKernel bound what the Convolution panel draws (every
// window is drawn cell by cell); `seqnet explain` has no such bound.
const (
	MaxSteps  = 256
	MaxKernel = 256
)

// Conv works out the convolution in the request.
func Conv(req ConvRequest) ConvResponse {
	if req.Strides < 1 {
		return ConvResponse{Error: fmt.Sprintf("strides must be at least 1, received %d", req.Strides)}
	}
	if req.Dilation < 1 {
		return ConvResponse{Error: fmt.Sprintf("dilation must be at least 1, received %d", req.Dilation)}
	}
	spec := convwalk.Spec{Strides: req.Strides, Dilation: req.Dilation, Padding: strings.ToLower(strings.TrimSpace(req.Padding))}
	var err error
	if spec.Input, err = convwalk.ParseInput(req.Input); err != nil {
		return ConvResponse{Error: "input: " + err.Error()}
	}
	if spec.Kernel, err = convwalk.ParseKernel(req.Kernel); err != nil {
		return ConvResponse{Error: "kernel: " + err.Error()}
	}
	if strings.TrimSpace(req.Bias) != "" {
		if spec.Bias, err = convwalk.ParseList(req.Bias); err != nil {
			return ConvResponse{Error: "bias: " + err.Error()}
		}
	}
	if n := len(spec.Input); n > MaxSteps {
		return ConvResponse{Error: fmt.Sprintf("the input has %d steps; the page draws at most %d: shorten it, or use seqnet explain on the command line", n, MaxSteps)}
	}
	if len(spec.Kernel) > 0 && len(spec.Kernel[0]) > 0 {
		if n := len(spec.Kernel) * len(spec.Kernel[0]) * len(spec.Kernel[0][0]); n > MaxKernel {
			return ConvResponse{Error: fmt.Sprintf("the kernel has %d weights; the page draws at most %d: use a smaller kernel, or seqnet explain on the command line", n, MaxKernel)}
		}
	}
	r, err := convwalk.Explain(spec)
	if err != nil {
		resp := ConvResponse{Error: err.Error()}
		resp.ShapeCommand, resp.ShapeError = shapeSays(spec)
		return resp
	}
	j := r.JSON()
	out, err := layerForward(r)
	if err != nil {
		return ConvResponse{Error: err.Error()}
	}
	f, err := formula(&j)
	if err != nil {
		return ConvResponse{Error: err.Error()}
	}
	k := make([][][]float32, len(spec.Kernel))
	for i, tap := range spec.Kernel {
		for _, w := range tap {
			row := make([]float32, len(w))
			for f, v := range w {
				row[f] = float32(v)
			}
			k[i] = append(k[i], row)
		}
	}
	return ConvResponse{Result: &j, Kernel: k, LayerOutput: out, Formula: f}
}

// shapeSays runs the `seqnet shape` walk for a Conv1D with the spec's
// settings on one sample of the spec's input, and returns the command line
// and its error ("" when the walk succeeds or the input has no shape).
func shapeSays(s convwalk.Spec) (cmd, msg string) {
	if len(s.Input) == 0 || len(s.Input[0]) == 0 || len(s.Kernel) == 0 || len(s.Kernel[0]) == 0 || len(s.Kernel[0][0]) == 0 {
		return "", ""
	}
	input := fmt.Sprintf("1,%d,%d", len(s.Input), len(s.Input[0]))
	layer := fmt.Sprintf("conv1d:filters=%d,kernel_size=%d,strides=%d,padding=%s,dilation_rate=%d",
		len(s.Kernel[0][0]), len(s.Kernel), s.Strides, s.Padding, s.Dilation)
	_, err := shapewalk.Walk(input, []string{layer})
	if err == nil {
		return "", ""
	}
	return "seqnet shape --input " + input + " " + layer, shapewalk.NameInput(err.Error(), "--input")
}

// layerForward runs the worked convolution through layers.Conv1D, the
// layer models train with, and returns its output (output_length, filters).
func layerForward(r *convwalk.Result) ([][]float32, error) {
	s := r.Spec
	opts := []layers.Conv1DOption{layers.Strides(s.Strides), layers.DilationRate(s.Dilation), layers.Padding(s.Padding)}
	if s.Bias == nil {
		opts = append(opts, layers.NoBias())
	}
	m, err := model.NewSequential(layers.Input(r.Steps, r.Channels), layers.NewConv1D(r.Filters, r.KernelSize, opts...))
	if err != nil {
		return nil, err
	}
	if err := m.Build(); err != nil {
		return nil, err
	}
	k := tensor.New(r.KernelSize, r.Channels, r.Filters)
	for j := range r.KernelSize {
		for c := range r.Channels {
			for f := range r.Filters {
				k.Data[(j*r.Channels+c)*r.Filters+f] = float32(s.Kernel[j][c][f])
			}
		}
	}
	w := []*tensor.Tensor{k}
	if s.Bias != nil {
		b := tensor.New(r.Filters)
		for f, v := range s.Bias {
			b.Data[f] = float32(v)
		}
		w = append(w, b)
	}
	if err := m.SetWeights(w); err != nil {
		return nil, err
	}
	x := tensor.New(1, r.Steps, r.Channels)
	for t, row := range s.Input {
		for c, v := range row {
			x.Data[t*r.Channels+c] = float32(v)
		}
	}
	y, err := m.Predict(x, 1)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, y.Shape[1])
	for t := range out {
		out[t] = y.Data[t*r.Filters : (t+1)*r.Filters]
	}
	return out, nil
}

// ShapeResponse is a shape walk: the table, and the diagnosis when a layer
// cannot take its input.
type ShapeResponse struct {
	Rows      []shapewalk.Row `json:"rows"`
	Complete  bool            `json:"complete"`
	Total     int             `json:"total"`
	Trainable int             `json:"trainable"`
	// Error is `seqnet shape`'s message; ErrorLayer is the 1-based layer
	// it is about (0 for the input shape or the stack's syntax).
	Error      string `json:"error,omitempty"`
	ErrorLayer int    `json:"error_layer,omitempty"`
	// Command is the equivalent `seqnet shape` command line.
	Command string `json:"command"`
}

// Shape walks input (e.g. "16070,1,45") through stack, layer specs
// separated by spaces or new lines, as `seqnet shape` does.
func Shape(input, stack string) ShapeResponse {
	specs := strings.Fields(stack)
	resp := ShapeResponse{Command: "seqnet shape --input " + strings.Join(strings.Fields(input), "") + " " + strings.Join(specs, " ")}
	if strings.TrimSpace(input) == "" {
		resp.Error = "the input shape is required: the batch shape, e.g. 16070,45,1 for 16070 samples of 45 steps of 1 channel"
		return resp
	}
	t, err := shapewalk.Walk(input, specs)
	resp.Rows, resp.Complete, resp.Total, resp.Trainable = t.Rows, t.Complete, t.Total, t.Trainable
	if err != nil {
		resp.Error = shapewalk.NameInput(err.Error(), "--input")
		if le, ok := err.(*shapewalk.LayerError); ok {
			resp.ErrorLayer = le.Layer
		}
	}
	return resp
}
