//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

var hasAVXAct = cpu.X86.HasAVX
