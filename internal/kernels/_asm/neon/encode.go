package main

import (
	"fmt"
	"strings"
)

// emit writes one instruction line.
func emit(format string, args ...any) {
	fmt.Fprintf(&out, "\t"+format+"\n", args...)
}

func label(name string) { fmt.Fprintf(&out, "%s:\n", name) }

// word emits an instruction by its encoding, with its assembly as comment.
func word(enc uint32, asm string, args ...any) {
	emit("WORD $0x%08x // %s", enc, fmt.Sprintf(asm, args...))
}

// fmlaElem: FMLA Vd.4S, Vn.4S, Vm.S[i] (Vd += Vn * Vm[i]).
func fmlaElem(d, n, m, i int) {
	enc := uint32(0x4f801000) | uint32(i&1)<<21 | uint32(m)<<16 | uint32(i>>1)<<11 | uint32(n)<<5 | uint32(d)
	word(enc, "FMLA V%d.4S, V%d.4S, V%d.S[%d]", d, n, m, i)
}

// fmulElem: FMUL Vd.4S, Vn.4S, Vm.S[i].
func fmulElem(d, n, m, i int) {
	enc := uint32(0x4f809000) | uint32(i&1)<<21 | uint32(m)<<16 | uint32(i>>1)<<11 | uint32(n)<<5 | uint32(d)
	word(enc, "FMUL V%d.4S, V%d.4S, V%d.S[%d]", d, n, m, i)
}

func threeSame(base uint32, name string, d, n, m int) {
	word(base|uint32(m)<<16|uint32(n)<<5|uint32(d), "%s V%d.4S, V%d.4S, V%d.4S", name, d, n, m)
}

// fadd: FADD Vd.4S, Vn.4S, Vm.4S.
func fadd(d, n, m int) { threeSame(0x4e20d400, "FADD", d, n, m) }

// fsub: FSUB Vd.4S, Vn.4S, Vm.4S (Vn - Vm).
func fsub(d, n, m int) { threeSame(0x4ea0d400, "FSUB", d, n, m) }

// fmul: FMUL Vd.4S, Vn.4S, Vm.4S.
func fmul(d, n, m int) { threeSame(0x6e20dc00, "FMUL", d, n, m) }

// fdiv: FDIV Vd.4S, Vn.4S, Vm.4S (Vn / Vm).
func fdiv(d, n, m int) { threeSame(0x6e20fc00, "FDIV", d, n, m) }

// fsqrt: FSQRT Vd.4S, Vn.4S.
func fsqrt(d, n int) {
	word(0x6ea1f800|uint32(n)<<5|uint32(d), "FSQRT V%d.4S, V%d.4S", d, n)
}

// fcmgt: FCMGT Vd.4S, Vn.4S, Vm.4S (all ones where Vn > Vm).
func fcmgt(d, n, m int) { threeSame(0x6ea0e400, "FCMGT", d, n, m) }

// fcmeq: FCMEQ Vd.4S, Vn.4S, Vm.4S (all ones where Vn == Vm).
func fcmeq(d, n, m int) { threeSame(0x4e20e400, "FCMEQ", d, n, m) }

// bic: BIC Vd.16B, Vn.16B, Vm.16B (Vn AND NOT Vm).
func bic(d, n, m int) {
	word(0x4e601c00|uint32(m)<<16|uint32(n)<<5|uint32(d), "BIC V%d.16B, V%d.16B, V%d.16B", d, n, m)
}

// fcmltz: FCMLT Vd.4S, Vn.4S, #0.0 (all ones where Vn < 0; not for NaN or -0).
func fcmltz(d, n int) {
	word(0x4ea0e800|uint32(n)<<5|uint32(d), "FCMLT V%d.4S, V%d.4S, #0.0", d, n)
}

// fcmgtz: FCMGT Vd.4S, Vn.4S, #0.0 (all ones where Vn > 0).
func fcmgtz(d, n int) {
	word(0x4ea0c800|uint32(n)<<5|uint32(d), "FCMGT V%d.4S, V%d.4S, #0.0", d, n)
}

// relu clamps Vv at 0 the way the Go loops do (if 0 > v { v = 0 }): a NaN
// and -0 stay as they are. Vt is scratch.
func relu(v, t int) {
	fcmltz(t, v)
	bic(v, v, t)
}

// regs formats the register list [Va.S4, Va+1.S4, …] of n registers.
func regs(first, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("V%d.S4", first+i)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// text starts a function. frame is the size of its arguments and results.
func text(name string, frame int, doc ...string) {
	out.WriteString("\n")
	for _, d := range doc {
		out.WriteString("// " + d + "\n")
	}
	fmt.Fprintf(&out, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, frame)
}
