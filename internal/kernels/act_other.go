//go:build purego || !amd64

package kernels

// hasAVXAct is false: this build has no assembly.
const hasAVXAct = false

func reluAVX(y *float32, n int)             { panic("kernels: no AVX in this build") }
func addReluAVX(y, b *float32, n int)       { panic("kernels: no AVX in this build") }
func reluGradAVX(dz, dy, y *float32, n int) { panic("kernels: no AVX in this build") }
func maxIntoAVX(y, x *float32, n int)       { panic("kernels: no AVX in this build") }

func pool2GradAVX(d0, d1, x0, y, grad *float32, n int) { panic("kernels: no AVX in this build") }

func biasReluRowsAVX(c *float32, ldc int, bias *float32, rows, n int, relu bool) {
	panic("kernels: no AVX in this build")
}

func adamAVX(w, grad, m, v *float32, n int, alpha, b1, b2, eps float32) {
	panic("kernels: no AVX in this build")
}

func eqCountAVX(cnt, x, y *float32, n int, one float32) { panic("kernels: no AVX in this build") }
func eqAddAVX(dx, x, y, share *float32, n int)          { panic("kernels: no AVX in this build") }

func addRowsAVX(acc, z *float32, rows, ld, n int) { panic("kernels: no AVX in this build") }
