package layers

import "math"

// The recurrent layers spend most of their time in the gate activations
// (several per unit and step, and the steps cannot be batched), so for the
// two Keras defaults, sigmoid and tanh, they use the float32 versions
// below instead of the float64 math package: Cephes' expf and tanhf
// polynomials, within 2 float32 ulps of the float64 functions (pinned by
// TestFastGateMath). Other activations go through Activation.Forward.

// gateForward returns a function computing y = f(z) for the activation.
func gateForward(a *Activation) func(z, y []float32, n int) {
	switch a.Name {
	case "sigmoid":
		return sigmoidF32
	case "tanh":
		return tanhF32
	}
	return a.Forward
}

// gateBackward returns a function computing dz = dy·f'(z) given y = f(z).
func gateBackward(a *Activation) func(z, y, dy, dz []float32, n int) {
	switch a.Name {
	case "sigmoid":
		return func(_, y, dy, dz []float32, _ int) {
			for i, v := range y {
				dz[i] = dy[i] * v * (1 - v)
			}
		}
	case "tanh":
		return func(_, y, dy, dz []float32, _ int) {
			for i, v := range y {
				dz[i] = dy[i] * (1 - v*v)
			}
		}
	}
	return a.Backward
}

const (
	expHi   = 88.72283 // exp overflows float32 above
	expLo   = -87.33654
	log2e   = 1.44269504088896341
	ln2Hi   = 0.693359375
	ln2Lo   = -2.12194440e-4
	tanhBig = 9.0 // tanh(9) rounds to 1 in float32
)

// expF32 is Cephes' expf: e^x = 2^n · e^r with |r| ≤ ln2/2 and a degree-6
// polynomial for e^r.
func expF32(x float32) float32 {
	if x > expHi {
		return float32(math.Inf(1))
	}
	if x < expLo {
		return 0
	}
	n := float32(math.Floor(float64(log2e*x + 0.5)))
	r := x - n*ln2Hi - n*ln2Lo
	p := ((((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+
		1.6666665459e-1)*r+5.0000001201e-1)*r*r + r + 1)
	if n > 127 { // e^x near the float32 maximum: 2^128 itself overflows
		return p * 2 * math.Float32frombits(uint32(127+127)<<23)
	}
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoidF32 writes 1/(1+e^-z).
func sigmoidF32(z, y []float32, _ int) {
	for i, v := range z {
		if v >= 0 {
			y[i] = 1 / (1 + expF32(-v))
		} else {
			e := expF32(v)
			y[i] = e / (1 + e)
		}
	}
}

// tanhF32 is Cephes' tanhf: an odd polynomial below 0.625, 1 - 2/(e^2x+1)
// above.
func tanhF32(z, y []float32, _ int) {
	for i, x := range z {
		a := x
		if a < 0 {
			a = -a
		}
		switch {
		case a >= tanhBig:
			a = 1
		case a >= 0.625:
			a = 1 - 2/(expF32(a+a)+1)
		default:
			s := x * x
			y[i] = ((((-5.70498872745e-3*s+2.06390887954e-2)*s-5.37397155531e-2)*s+
				1.33314422036e-1)*s-3.33332819422e-1)*s*x + x
			continue
		}
		if x < 0 {
			a = -a
		}
		y[i] = a
	}
}
