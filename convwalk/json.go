package convwalk

import (
	"encoding/json"
	"io"
)

// JSONResult is the machine-readable form of a Result. Values are float32,
// as the layer computes them.
type JSONResult struct {
	InputShape   []int  `json:"input_shape"`  // (steps, channels)
	KernelShape  []int  `json:"kernel_shape"` // (kernel_size, channels, filters)
	Strides      int    `json:"strides"`
	Dilation     int    `json:"dilation"`
	Padding      string `json:"padding"`
	UseBias      bool   `json:"use_bias"`
	PadLeft      int    `json:"pad_left"`
	PadRight     int    `json:"pad_right"`
	OutputLength int    `json:"output_length"`
	// EffectiveKernel is (kernel_size-1)*dilation + 1.
	EffectiveKernel int          `json:"effective_kernel"`
	Formula         string       `json:"formula"`
	PaddedInput     [][]float32  `json:"padded_input"`
	Windows         []JSONWindow `json:"windows"`
	Output          [][]float32  `json:"output"` // (output_length, filters)
	OutputShape     []int        `json:"output_shape"`
}

// JSONWindow is one output step's window.
type JSONWindow struct {
	Step      int          `json:"step"`
	Positions []int        `json:"padded_steps"`
	Values    [][]float32  `json:"values"`
	Filters   []JSONFilter `json:"filters"`
}

// JSONFilter is one filter on one window.
type JSONFilter struct {
	Filter   int         `json:"filter"`
	Products [][]float32 `json:"products"`
	Sum      float32     `json:"sum"`
	Bias     float32     `json:"bias"`
	Output   float32     `json:"output"`
}

// JSON returns the result as plain data for encoding/json.
func (r *Result) JSON() JSONResult {
	g := r.Geometry
	j := JSONResult{
		InputShape: []int{r.Steps, r.Channels}, KernelShape: []int{r.KernelSize, r.Channels, r.Filters},
		Strides: r.Spec.Strides, Dilation: r.Spec.Dilation, Padding: r.Spec.Padding, UseBias: r.Spec.Bias != nil,
		PadLeft: g.PadLeft, PadRight: g.PadRight, OutputLength: g.OutLength, EffectiveKernel: g.EffectiveKernel,
		Formula: g.Formula, PaddedInput: f32(r.Padded), Output: f32(r.Output), OutputShape: []int{g.OutLength, r.Filters},
	}
	for _, w := range r.Windows {
		jw := JSONWindow{Step: w.Step, Positions: w.Positions, Values: f32(w.Values)}
		for _, fs := range w.Filters {
			jw.Filters = append(jw.Filters, JSONFilter{Filter: fs.Filter, Products: f32(fs.Products),
				Sum: float32(fs.Sum), Bias: float32(fs.Bias), Output: float32(fs.Output)})
		}
		j.Windows = append(j.Windows, jw)
	}
	return j
}

// WriteJSON writes the result as one JSON object on one line.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	return enc.Encode(r.JSON())
}

func f32(m [][]float64) [][]float32 {
	out := make([][]float32, len(m))
	for i, row := range m {
		out[i] = make([]float32, len(row))
		for k, v := range row {
			out[i][k] = float32(v)
		}
	}
	return out
}
