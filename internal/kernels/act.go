package kernels

import (
	"fmt"
	"math"
)

// The element-wise loops of a layer's output stage: relu, bias+relu,
// relu's derivative and a running maximum. Scalar Go spends several
// nanoseconds a value on them on the project's machines (a value moves
// between the float and integer units, or a branch mispredicts), so each
// has a SIMD version over blocks of 8 (AVX in act_amd64.go, NEON in
// act_arm64.go) beside the plain Go one that is the reference; both give
// the same bits (see act_test.go). The SIMD versions follow the
// implementation switch of Sgemm: with SEQNET_NOSIMD=1 or Use("generic")
// the Go loops run.

// simdAct reports whether the SIMD loops may run now.
func simdAct() bool { return hasSIMDAct && current().name != "generic" }

// Relu sets y[i] = max(y[i], 0) (as VMAXPS: a NaN stays NaN).
func Relu(y []float32) {
	i := 0
	if n := len(y) / 8; n > 0 && simdAct() {
		reluSIMD(&y[0], n)
		i = n * 8
	}
	for ; i < len(y); i++ {
		if 0 > y[i] {
			y[i] = 0
		}
	}
}

// AddRelu sets y[i] = max(y[i]+bias[i], 0). It panics if the lengths differ.
func AddRelu(y, bias []float32) {
	if len(y) != len(bias) {
		panic(fmt.Sprintf("kernels: AddRelu lengths differ: len(y)=%d, len(bias)=%d", len(y), len(bias)))
	}
	i := 0
	if n := len(y) / 8; n > 0 && simdAct() {
		addReluSIMD(&y[0], &bias[0], n)
		i = n * 8
	}
	for ; i < len(y); i++ {
		v := y[i] + bias[i]
		if 0 > v {
			v = 0
		}
		y[i] = v
	}
}

// ReluGrad sets dz[i] = dy[i] where y[i] > 0 and 0 elsewhere: relu's
// derivative from its output. It panics if the lengths differ.
func ReluGrad(dz, dy, y []float32) {
	if len(dz) != len(y) || len(dy) != len(y) {
		panic(fmt.Sprintf("kernels: ReluGrad lengths differ: %d, %d, %d", len(dz), len(dy), len(y)))
	}
	i := 0
	if n := len(y) / 8; n > 0 && simdAct() {
		reluGradSIMD(&dz[0], &dy[0], &y[0], n)
		i = n * 8
	}
	for ; i < len(y); i++ {
		if y[i] > 0 {
			dz[i] = dy[i]
		} else {
			dz[i] = 0
		}
	}
}

// MaxInto sets y[i] = max(y[i], x[i]) (x[i] when greater, else y[i]). It
// panics if the lengths differ.
func MaxInto(y, x []float32) {
	if len(y) != len(x) {
		panic(fmt.Sprintf("kernels: MaxInto lengths differ: len(y)=%d, len(x)=%d", len(y), len(x)))
	}
	i := 0
	if n := len(y) / 8; n > 0 && simdAct() {
		maxIntoSIMD(&y[0], &x[0], n)
		i = n * 8
	}
	for ; i < len(y); i++ {
		if x[i] > y[i] {
			y[i] = x[i]
		}
	}
}

// Pool2Grad routes a max-pooling gradient over windows of two steps: it
// adds g[i] to d0[i] where x0[i] equals the maximum y[i] (the first step
// wins ties), and to d1[i] otherwise. It panics if the lengths differ.
func Pool2Grad(d0, d1, x0, y, g []float32) {
	n := len(g)
	if len(d0) != n || len(d1) != n || len(x0) != n || len(y) != n {
		panic(fmt.Sprintf("kernels: Pool2Grad lengths differ: %d, %d, %d, %d, %d", len(d0), len(d1), len(x0), len(y), n))
	}
	i := 0
	if blocks := n / 8; blocks > 0 && simdAct() {
		pool2GradSIMD(&d0[0], &d1[0], &x0[0], &y[0], &g[0], blocks)
		i = blocks * 8
	}
	for ; i < n; i++ {
		if x0[i] == y[i] {
			d0[i] += g[i]
		} else {
			d1[i] += g[i]
		}
	}
}

// biasRelu is Sgemm's output stage on the rows×cols block of C at c (rows
// ldc apart): it adds bias[j] (when bias is not nil) to column j, then
// with relu clamps at 0 as Relu does. Go and SIMD give the same bits.
func biasRelu(c []float32, ldc, rows, cols int, bias []float32, relu bool) {
	if rows == 0 || cols == 0 || (bias == nil && !relu) {
		return
	}
	j0 := 0
	if n := cols / 8; n > 0 && simdAct() {
		_ = c[(rows-1)*ldc+8*n-1]
		var bp *float32
		if bias != nil {
			_ = bias[8*n-1]
			bp = &bias[0]
		}
		biasReluRowsSIMD(&c[0], ldc, bp, rows, n, relu)
		j0 = 8 * n
	}
	if j0 == cols {
		return
	}
	for r := 0; r < rows; r++ {
		row := c[r*ldc+j0 : r*ldc+cols]
		for j := range row {
			v := row[j]
			if bias != nil {
				v += bias[j0+j]
			}
			if relu && 0 > v {
				v = 0
			}
			row[j] = v
		}
	}
}

// Adam does the Adam step of package optimizers on each element:
// m += (g-m)*b1; v += (g*g-v)*b2; w -= m*alpha / (sqrt(v)+eps), with b1
// and b2 already 1-beta1 and 1-beta2. The AVX loop and the Go one give the
// same bits, and so do the NEON loop and the Go loop on arm64 (its
// products are rounded before the sums, so Go cannot fuse them there). It
// panics if the lengths differ.
func Adam(w, g, m, v []float32, alpha, b1, b2, eps float32) {
	if len(g) != len(w) || len(m) != len(w) || len(v) != len(w) {
		panic(fmt.Sprintf("kernels: Adam lengths differ: %d, %d, %d, %d", len(w), len(g), len(m), len(v)))
	}
	i := 0
	if n := len(w) / 8; n > 0 && hasSIMDAdam && simdAct() {
		adamSIMD(&w[0], &g[0], &m[0], &v[0], n, alpha, b1, b2, eps)
		i = n * 8
	}
	for ; i < len(w); i++ {
		// The conversions round each product (the Go spec lets arm64
		// fuse a*b + c into one FMA otherwise): the same bits on every
		// architecture, and Keras' (see optimizers' Keras replay test).
		gi := g[i]
		m[i] += float32((gi - m[i]) * b1)
		v[i] += float32((float32(gi*gi) - v[i]) * b2)
		w[i] -= float32(m[i]*alpha) / (float32(math.Sqrt(float64(v[i]))) + eps)
	}
}

// EqCount adds 1 to cnt[i] where x[i] == y[i] (a NaN equals nothing): the
// ties of a maximum, for GlobalMaxPooling1D's gradient. It panics if the
// lengths differ.
func EqCount(cnt, x, y []float32) {
	if len(x) != len(cnt) || len(y) != len(cnt) {
		panic(fmt.Sprintf("kernels: EqCount lengths differ: %d, %d, %d", len(cnt), len(x), len(y)))
	}
	i := 0
	if n := len(cnt) / 8; n > 0 && simdAct() {
		eqCountSIMD(&cnt[0], &x[0], &y[0], n, 1)
		i = n * 8
	}
	for ; i < len(cnt); i++ {
		var one float32
		if x[i] == y[i] {
			one = 1
		}
		cnt[i] += one
	}
}

// EqAdd adds share[i] to dx[i] where x[i] == y[i], and 0 elsewhere (which
// turns a -0 into +0, the same on every path). It panics if the lengths
// differ.
func EqAdd(dx, x, y, share []float32) {
	if len(x) != len(dx) || len(y) != len(dx) || len(share) != len(dx) {
		panic(fmt.Sprintf("kernels: EqAdd lengths differ: %d, %d, %d, %d", len(dx), len(x), len(y), len(share)))
	}
	i := 0
	if n := len(dx) / 8; n > 0 && simdAct() {
		eqAddSIMD(&dx[0], &x[0], &y[0], &share[0], n)
		i = n * 8
	}
	for ; i < len(dx); i++ {
		var add float32
		if x[i] == y[i] {
			add = share[i]
		}
		dx[i] += add
	}
}

// AddRows adds the rows of z (rows of len(acc) values, ld apart) into acc,
// one after the other: acc[i] += z[r*ld+i] for r = 0, 1, …. Every path
// gives the bits of adding the rows one at a time in that order. It panics
// if z is too short.
func AddRows(acc, z []float32, rows, ld int) {
	n := len(acc)
	if rows == 0 || n == 0 {
		return
	}
	if ld < n || len(z) < (rows-1)*ld+n {
		panic(fmt.Sprintf("kernels: AddRows: %d rows of %d values %d apart need %d elements, have %d", rows, n, ld, (rows-1)*ld+n, len(z)))
	}
	j0 := 0
	if n8 := n / 8; n8 > 0 && simdAct() {
		addRowsSIMD(&acc[0], &z[0], rows, ld, n8)
		j0 = 8 * n8
	}
	for j := j0; j < n; j++ {
		s := acc[j]
		for r := 0; r < rows; r++ {
			s += z[r*ld+j]
		}
		acc[j] = s
	}
}
