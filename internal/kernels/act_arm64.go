//go:build !purego

package kernels

// The element-wise loops of gemm_arm64.s, over blocks of 8 values; every
// AArch64 CPU has NEON. They give the bits of the Go loops of act.go.
const hasSIMDAct, hasSIMDAdam = true, true

func reluSIMD(y *float32, n int)             { reluNEON(y, n) }
func addReluSIMD(y, b *float32, n int)       { addReluNEON(y, b, n) }
func reluGradSIMD(dz, dy, y *float32, n int) { reluGradNEON(dz, dy, y, n) }
func maxIntoSIMD(y, x *float32, n int)       { maxIntoNEON(y, x, n) }

func pool2GradSIMD(d0, d1, x0, y, grad *float32, n int) { pool2GradNEON(d0, d1, x0, y, grad, n) }

func biasReluRowsSIMD(c *float32, ldc int, bias *float32, rows, n int, relu bool) {
	biasReluRowsNEON(c, ldc, bias, rows, n, relu)
}

func adamSIMD(w, grad, m, v *float32, n int, alpha, b1, b2, eps float32) {
	adamNEON(w, grad, m, v, n, alpha, b1, b2, eps)
}

func eqCountSIMD(cnt, x, y *float32, n int, one float32) { eqCountNEON(cnt, x, y, n, one) }
func eqAddSIMD(dx, x, y, share *float32, n int)          { eqAddNEON(dx, x, y, share, n) }

func addRowsSIMD(acc, z *float32, rows, ld, n int) { addRowsNEON(acc, z, rows, ld, n) }

// reluNEON sets y[i] = max(y[i], 0) for i < 8*n (a NaN and -0 stay).
//
//go:noescape
func reluNEON(y *float32, n int)

// addReluNEON sets y[i] = max(y[i]+b[i], 0) for i < 8*n.
//
//go:noescape
func addReluNEON(y *float32, b *float32, n int)

// reluGradNEON sets dz[i] = dy[i] where y[i] > 0, else 0, for i < 8*n.
//
//go:noescape
func reluGradNEON(dz *float32, dy *float32, y *float32, n int)

// maxIntoNEON sets y[i] = x[i] where x[i] > y[i], for i < 8*n.
//
//go:noescape
func maxIntoNEON(y *float32, x *float32, n int)

// pool2GradNEON adds grad[i] to d0[i] where x0[i] == y[i], else to d1[i]
// (and 0 to the other), for i < 8*n.
//
//go:noescape
func pool2GradNEON(d0 *float32, d1 *float32, x0 *float32, y *float32, grad *float32, n int)

// eqCountNEON adds one to cnt[i] where x[i] == y[i] (0 elsewhere), for
// i < 8*n.
//
//go:noescape
func eqCountNEON(cnt *float32, x *float32, y *float32, n int, one float32)

// eqAddNEON adds share[i] to dx[i] where x[i] == y[i] (0 elsewhere), for
// i < 8*n.
//
//go:noescape
func eqAddNEON(dx *float32, x *float32, y *float32, share *float32, n int)

// biasReluRowsNEON sets c[r*ldc+i] += bias[i] (bias nil: nothing) for
// r < rows and i < 8*n, then with relu clamps at 0 as reluNEON does.
//
//go:noescape
func biasReluRowsNEON(c *float32, ldc int, bias *float32, rows int, n int, relu bool)

// addRowsNEON sets acc[i] += z[r*ld+i] for r < rows in order, for i < 8*n.
//
//go:noescape
func addRowsNEON(acc *float32, z *float32, rows int, ld int, n int)

// adamNEON sets, for i < 8*n and g = grad: m += (g-m)*b1;
// v += (g*g-v)*b2; w -= m*alpha / (sqrt(v)+eps), each operation rounded
// as in the Go loop of Adam.
//
//go:noescape
func adamNEON(w *float32, grad *float32, m *float32, v *float32, n int, alpha float32, b1 float32, b2 float32, eps float32)
