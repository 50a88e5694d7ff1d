package conv

// The definition, as plain loops in float64: what every path of Forward
// and Backward is tested against. Not for speed.

// ForwardRef sets y[b,t,o] = Σ_i Σ_c x[b, t*Stride + i*Dilation - PadLeft,
// g*In/Groups + c] · w[i,c,o], with zeros outside the input, where g = o /
// (Filters/Groups) is o's group and c runs over its channels.
//
//	x is (Batch, Length, In)
//	w is (Kernel, In/Groups, Filters)
//	y is (Batch, OutLength, Filters), overwritten
func ForwardRef(d Dims, x, w, y []float32) {
	cg, fg := d.In/d.Groups, d.Filters/d.Groups
	for b := 0; b < d.Batch; b++ {
		for t := 0; t < d.OutLength; t++ {
			for o := 0; o < d.Filters; o++ {
				g := o / fg
				var s float64
				for i := 0; i < d.Kernel; i++ {
					pos := t*d.Stride + i*d.Dilation - d.PadLeft
					if pos < 0 || pos >= d.Length {
						continue
					}
					for c := 0; c < cg; c++ {
						s += float64(x[(b*d.Length+pos)*d.In+g*cg+c]) * float64(w[(i*cg+c)*d.Filters+o])
					}
				}
				y[(b*d.OutLength+t)*d.Filters+o] = float32(s)
			}
		}
	}
}

// BackwardRef adds the gradients of ForwardRef: with dy = ∂L/∂y,
// dw[i,c,o] += Σ_b Σ_t x[b, pos, g*In/Groups + c] · dy[b,t,o] and
// dx[b, pos, g*In/Groups + c] += Σ_t Σ_i Σ_o w[i,c,o] · dy[b,t,o], with pos
// = t*Stride + i*Dilation - PadLeft inside the input and o over the group
// g's filters. Each sum is taken in float64 and added once.
//
//	x  is (Batch, Length, In)
//	w  is (Kernel, In/Groups, Filters)
//	dy is (Batch, OutLength, Filters)
//	dw is (Kernel, In/Groups, Filters), added into; nil to skip
//	dx is (Batch, Length, In), added into; nil to skip
func BackwardRef(d Dims, x, w, dy, dw, dx []float32) {
	cg, fg := d.In/d.Groups, d.Filters/d.Groups
	if dw != nil {
		for i := 0; i < d.Kernel; i++ {
			for c := 0; c < cg; c++ {
				for o := 0; o < d.Filters; o++ {
					g := o / fg
					var s float64
					for b := 0; b < d.Batch; b++ {
						for t := 0; t < d.OutLength; t++ {
							pos := t*d.Stride + i*d.Dilation - d.PadLeft
							if pos < 0 || pos >= d.Length {
								continue
							}
							s += float64(x[(b*d.Length+pos)*d.In+g*cg+c]) * float64(dy[(b*d.OutLength+t)*d.Filters+o])
						}
					}
					dw[(i*cg+c)*d.Filters+o] += float32(s)
				}
			}
		}
	}
	if dx == nil {
		return
	}
	acc := make([]float64, d.Length*d.In) // one sample's input gradient
	for b := 0; b < d.Batch; b++ {
		clear(acc)
		for t := 0; t < d.OutLength; t++ {
			for i := 0; i < d.Kernel; i++ {
				pos := t*d.Stride + i*d.Dilation - d.PadLeft
				if pos < 0 || pos >= d.Length {
					continue
				}
				for o := 0; o < d.Filters; o++ {
					g := o / fg
					dyv := float64(dy[(b*d.OutLength+t)*d.Filters+o])
					for c := 0; c < cg; c++ {
						acc[pos*d.In+g*cg+c] += float64(w[(i*cg+c)*d.Filters+o]) * dyv
					}
				}
			}
		}
		for j, v := range acc {
			dx[b*d.Length*d.In+j] += float32(v)
		}
	}
}
