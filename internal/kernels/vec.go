package kernels

import "fmt"

// Axpy adds alpha*x to y: y[i] += alpha*x[i]. It panics if the lengths
// differ. With AVX2 the multiply-add is fused (one rounding).
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels: Axpy lengths differ: len(x)=%d, len(y)=%d", len(x), len(y)))
	}
	y = y[:len(x)]
	i := 0
	if f := current().axpy; f != nil {
		f(alpha, x, y)
		i = len(x) / 32 * 32
	}
	for ; i+4 <= len(x); i += 4 {
		xs, ys := (*[4]float32)(x[i:]), (*[4]float32)(y[i:])
		ys[0] += alpha * xs[0]
		ys[1] += alpha * xs[1]
		ys[2] += alpha * xs[2]
		ys[3] += alpha * xs[3]
	}
	for ; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// Dot returns the sum of x[i]*y[i]. It panics if the lengths differ. The
// sum is taken in several interleaved partial sums (32 with AVX2, 4 in
// plain Go) added at the end, so the rounding depends on the implementation.
func Dot(x, y []float32) float32 {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels: Dot lengths differ: len(x)=%d, len(y)=%d", len(x), len(y)))
	}
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	if f := current().dot; f != nil {
		s0 = f(x, y)
		i = len(x) / 32 * 32
	}
	for ; i+4 <= len(x); i += 4 {
		xs, ys := (*[4]float32)(x[i:]), (*[4]float32)(y[i:])
		s0 += xs[0] * ys[0]
		s1 += xs[1] * ys[1]
		s2 += xs[2] * ys[2]
		s3 += xs[3] * ys[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// AddBias adds bias[j] to c[i*ldc+j] for every row i < rows and column
// j < n = len(bias): a layer's bias added to its rows×n pre-activation
// (the recurrent layers'; Conv1D and Dense add theirs inside SgemmOut).
// Elements between rows (ldc > n) are left alone.
func AddBias(c []float32, rows, n, ldc int, bias []float32) {
	if len(bias) != n {
		panic(fmt.Sprintf("kernels: AddBias has len(bias)=%d for n=%d columns", len(bias), n))
	}
	if rows <= 0 || n == 0 {
		return
	}
	if ldc < n || len(c) < (rows-1)*ldc+n {
		panic(fmt.Sprintf("kernels: AddBias C has %d elements with ldc=%d, need %d×%d", len(c), ldc, rows, n))
	}
	biasRelu(c, ldc, rows, n, bias, false) // the AVX loop of SgemmOut's output stage
}
