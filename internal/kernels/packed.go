package kernels

import "unsafe"

// PackedB is a matrix op(B) packed once for Sgemm's micro-kernel, to be
// reused by many products with the same B: a layer's weights during
// inference, where packing them again on every call of a small batch cost
// about a tenth of the time. Pass it in Output.B. The zero PackedB holds
// nothing and is never used.
//
// A PackedB is a copy: after b changes, Pack it again before the next
// product (package layers keeps a version number on each weight for
// this). Products may read one PackedB from several goroutines at once;
// Pack must not run concurrently with them.
type PackedB struct {
	kr        *microKernel
	transB    bool
	k, n, ldb int
	src       *float32
	data      []float32
	kcMax     int
}

// Pack packs op(B) (k×n; B is n×k when transB) with leading dimension ldb
// for the micro-kernel in use now, reusing p's memory. It panics if b is
// too short (a programming error).
func (p *PackedB) Pack(transB bool, k, n int, b []float32, ldb int) {
	rows, cols := k, n
	if transB {
		rows, cols = n, k
	}
	checkMatrix("B", rows, cols, b, ldb)
	p.packFor(current(), transB, k, n, b, ldb)
}

// packFor is Pack for kernel kr, on arguments already checked.
func (p *PackedB) packFor(kr *microKernel, transB bool, k, n int, b []float32, ldb int) {
	p.kr = nil
	if k <= 0 || n <= 0 {
		return
	}
	p.transB, p.k, p.n, p.ldb, p.src = transB, k, n, ldb, unsafe.SliceData(b)
	p.kcMax = blockDepth(kr.kc, k)
	p.data = alignedFloats(p.data, roundUp(n, kr.nr)*k)
	p.kr = kr
	g := gemmArgs{transB: transB, k: k, n: n, b: b, ldb: ldb}
	for jc := 0; jc < n; jc += kr.nc {
		for pc := 0; pc < k; pc += p.kcMax {
			kc := min(p.kcMax, k-pc)
			packB(kr, p.block(jc, pc, kc), &g, pc, kc, jc, min(kr.nc, n-jc))
		}
	}
}

// fits reports whether p holds g's op(B) packed for kernel kr.
func (p *PackedB) fits(kr *microKernel, g *gemmArgs) bool {
	return p.kr == kr && p.transB == g.transB && p.k == g.k && p.n == g.n && p.ldb == g.ldb &&
		len(g.b) > 0 && p.src == unsafe.SliceData(g.b)
}

// block returns the packed panels of op(B) from column jc (a multiple of
// nr) and row pc (a multiple of kcMax, kc deep), laid out as packB lays out
// a block: the pack holds the blocks of Sgemm's loops (kr.nc columns by
// kcMax rows), column blocks one after the other, and within each the row
// blocks, so a product may start anywhere on a micro-panel boundary.
func (p *PackedB) block(jc, pc, kc int) []float32 {
	kr := p.kr
	jc0 := jc / kr.nc * kr.nc
	width := roundUp(min(kr.nc, p.n-jc0), kr.nr)
	return p.data[jc0*p.k+width*pc+(jc-jc0)*kc:]
}

// Usable reports whether p holds a pack for the micro-kernel in use now
// (Use changes it; a pack for another is ignored).
func (p *PackedB) Usable() bool { return p.kr != nil && p.kr == current() }
