//go:build purego || !(amd64 || arm64)

package kernels

// hasSIMDAct and hasSIMDAdam are false: this build has no assembly.
const hasSIMDAct, hasSIMDAdam = false, false

func reluSIMD(y *float32, n int)             { panic("kernels: no SIMD in this build") }
func addReluSIMD(y, b *float32, n int)       { panic("kernels: no SIMD in this build") }
func reluGradSIMD(dz, dy, y *float32, n int) { panic("kernels: no SIMD in this build") }
func maxIntoSIMD(y, x *float32, n int)       { panic("kernels: no SIMD in this build") }

func pool2GradSIMD(d0, d1, x0, y, grad *float32, n int) { panic("kernels: no SIMD in this build") }

func biasReluRowsSIMD(c *float32, ldc int, bias *float32, rows, n int, relu bool) {
	panic("kernels: no SIMD in this build")
}

func adamSIMD(w, grad, m, v *float32, n int, alpha, b1, b2, eps float32) {
	panic("kernels: no SIMD in this build")
}

func eqCountSIMD(cnt, x, y *float32, n int, one float32) { panic("kernels: no SIMD in this build") }
func eqAddSIMD(dx, x, y, share *float32, n int)          { panic("kernels: no SIMD in this build") }

func addRowsSIMD(acc, z *float32, rows, ld, n int) { panic("kernels: no SIMD in this build") }
