package layers

import "fmt"

// ConvGeometry is the arithmetic of one convolution along the steps axis:
// the single place where output lengths and padding are computed, so the
// layer, the model summary, `seqnet shape` and `seqnet explain` agree.
type ConvGeometry struct {
	Length, KernelSize, Strides, Dilation int
	Padding                               string
	// EffectiveKernel is (KernelSize-1)*Dilation + 1.
	EffectiveKernel int
	// PadLeft and PadRight are the zeros added before and after the input.
	PadLeft, PadRight int
	// OutLength is the number of output steps.
	OutLength int
	// Formula is the output-length formula with the numbers filled in.
	Formula string
}

// checkConvArgs checks the arguments every convolution's output length
// needs: a positive kernel_size, strides, dilation_rate and input length.
func checkConvArgs(length, kernelSize, strides, dilation int) error {
	switch {
	case kernelSize <= 0:
		return fmt.Errorf("kernel_size must be a positive integer, received kernel_size=%d", kernelSize)
	case strides <= 0:
		return fmt.Errorf("strides must be a positive integer, received strides=%d", strides)
	case dilation <= 0:
		return fmt.Errorf("dilation_rate must be a positive integer, received dilation_rate=%d", dilation)
	case length <= 0:
		return fmt.Errorf("input length must be positive, received %d steps", length)
	}
	return nil
}

// ConvOutput computes the output length and padding of a 1-D convolution
// (or pooling) window as Keras/TensorFlow do:
//
//   - valid:  out = floor((L - k_eff) / s) + 1
//   - same:   out = ceil(L / s); total pad = max((out-1)*s + k_eff - L, 0),
//     total/2 on the left and the rest on the right (TensorFlow's rule;
//     PyTorch's padding='same' puts the extra zero on the left instead and
//     refuses strides > 1)
//   - causal: pad (k-1)*dilation on the left, then valid, so out = ceil-free
//     floor((L - 1) / s) + 1
//
// with k_eff = (k-1)*dilation + 1. An impossible configuration is an error
// that gives the arithmetic.
func ConvOutput(length, kernelSize, strides, dilation int, padding string) (ConvGeometry, error) {
	g := ConvGeometry{Length: length, KernelSize: kernelSize, Strides: strides, Dilation: dilation, Padding: padding}
	if err := checkConvArgs(length, kernelSize, strides, dilation); err != nil {
		return g, err
	}
	switch {
	case kernelSize > MaxDim || dilation > MaxDim || strides > MaxDim || length > MaxDim:
		return g, fmt.Errorf("kernel_size %d, strides %d, dilation_rate %d and length %d must each be at most %d", kernelSize, strides, dilation, length, MaxDim)
	case kernelSize-1 > (MaxDim-1)/dilation:
		return g, fmt.Errorf("the kernel's reach (kernel_size-1)*dilation_rate+1 = (%d-1)*%d+1 is above %d: use a smaller kernel_size or dilation_rate", kernelSize, dilation, MaxDim)
	}
	g.EffectiveKernel = (kernelSize-1)*dilation + 1
	keff := g.EffectiveKernel
	switch padding {
	case "valid":
		if length < keff {
			return g, fmt.Errorf("input length %d is shorter than the kernel's reach %d (kernel_size %d, dilation %d): O = floor((%d - %d) / %d) + 1 would be %d",
				length, keff, kernelSize, dilation, length, keff, strides, floorDiv(length-keff, strides)+1)
		}
		g.OutLength = (length-keff)/strides + 1
		g.Formula = fmt.Sprintf("O = floor((W - K) / S) + 1 = floor((%d - %d) / %d) + 1 = %d", length, keff, strides, g.OutLength)
	case "same":
		g.OutLength = (length + strides - 1) / strides
		total := max((g.OutLength-1)*strides+keff-length, 0)
		g.PadLeft, g.PadRight = total/2, total-total/2
		g.Formula = fmt.Sprintf("O = ceil(W / S) = ceil(%d / %d) = %d; pad = max((O - 1)*S + K - W, 0) = %d → %d left, %d right",
			length, strides, g.OutLength, total, g.PadLeft, g.PadRight)
	case "causal":
		g.PadLeft = (kernelSize - 1) * dilation
		g.OutLength = (length+g.PadLeft-keff)/strides + 1
		g.Formula = fmt.Sprintf("P = (k - 1)*d = %d on the left; O = floor((W + P - K) / S) + 1 = floor((%d + %d - %d) / %d) + 1 = %d",
			g.PadLeft, length, g.PadLeft, keff, strides, g.OutLength)
	default:
		return g, fmt.Errorf("unknown padding %q: expected \"valid\", \"same\" or \"causal\"", padding)
	}
	return g, nil
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
