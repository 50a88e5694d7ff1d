package kernels

import (
	"sync"
	"unsafe"
)

// gemmArgs is one Sgemm call after beta has been dealt with: C is either
// overwritten (overwrite) or accumulated into.
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	overwrite      bool
	bias           []float32 // added to each row of C at the end (nil: none)
	relu           bool      // then max(·, 0)
	period, keep   int       // the row map of Output (period 0: none)
	pb             *PackedB  // op(B) already packed for this kernel (nil: pack it)
	serial         bool      // stay on the calling goroutine (Output.Serial)
	win            winSpec   // A is a convolution's windows, packed by group (winpack.go)
}

// run describes product rows i, i+1, … (at most limit of them) as far as
// the row map treats them alike: n > 0 rows that go to consecutive rows of
// C from row, or -n rows that it drops.
func (g *gemmArgs) run(i, limit int) (row, n int) {
	if g.period == 0 {
		return i, limit
	}
	q, s := i/g.period, i%g.period
	if s >= g.keep {
		return 0, -min(g.period-s, limit)
	}
	return q*g.keep + s, min(g.keep-s, limit)
}

// microKernel is one register-blocked kernel and the cache blocking that
// suits it.
type microKernel struct {
	name   string
	mr, nr int // register tile
	kc     int // largest depth of a packed panel; see blockDepth
	mc     int // rows of the packed A block (fits in L2), a multiple of mr
	nc     int // columns of the packed B block (fits in L3), a multiple of nr
	// fn computes the mr×nr block of A·B from the packed panels a (k×mr)
	// and b (k×nr) and writes it to c with the stage out. c holds at
	// least (mr-1)*ldc+nr elements.
	fn func(k int, a, b, c []float32, ldc int, out tileOut)
	// parts, fewest rows first, are fn for the first rows of the tile
	// only (same panels, same arithmetic for each element): microTile runs
	// the first that covers a last, partial panel.
	parts []partKernel
	// packA8, if not nil, sets dst[p*mr+r] = alpha*a[r*lda+p] for r < mr
	// and p < 8*n: the bulk of packA for full panels of untransposed A.
	packA8 func(n int, a []float32, lda int, dst []float32, alpha float32)
	// packAT, if not nil, sets dst[p*mr+r] = alpha*a[p*lda+r] for r < mr
	// and p < k: packA for full panels of transposed A.
	packAT func(k int, a []float32, lda int, dst []float32, alpha float32)
	// direct, if not nil, is fn reading A in place (A[r][p] = a[r*lda+p])
	// instead of from a packed panel; Sgemm uses it for untransposed A with
	// alpha 1 and lda at most directMaxLda.
	direct func(k int, a []float32, lda int, b, c []float32, ldc int, out tileOut)
	// directT, if not nil, is fn reading transposed A in place (A[r][p] =
	// a[p*lda+r]); Sgemm uses it for transposed A with alpha 1.
	directT func(k int, a []float32, lda int, b, c []float32, ldc int, out tileOut)
	// packWin, if not nil, sets dst[g*stride+s*gw+c] = src[s*ld+g*gw+c]
	// for s < steps, g < groups, c < gw: packWin for whole groups.
	packWin func(steps int, src []float32, ld, groups, gw int, dst []float32, stride int)
	// win[gw], if not nil, is fn for A[r][p] = a[p*gw+r] (a
	// convolution's windows packed by group, gw < mr); directT serves
	// the gw without one.
	win [13]func(k int, a, b, c []float32, ldc int, out tileOut)
	// packB, if not nil, sets dst[p*nr+j] = b[p*ldb+j] for j < nr and
	// p < k: packB for full panels of untransposed B.
	packB func(k int, b []float32, ldb int, dst []float32)
	// dot and axpy, if not nil, are Dot and Axpy for the first
	// len(x)/32*32 elements; the vector helpers use them with this kernel.
	dot  func(x, y []float32) float32
	axpy func(alpha float32, x, y []float32)
}

// partKernel is a micro-kernel's fn for the first rows rows of its tile.
type partKernel struct {
	rows int
	fn   func(k int, a, b, c []float32, ldc int, out tileOut)
}

// tileOut is how a micro-kernel writes its tile: added to C (accum) or
// over it, then bias[j] added to column j (nil: none; at least nr values
// otherwise), then with relu clamped at 0. The kernels apply the stage in
// registers, before the one store of the tile: a separate pass over the
// tile cost 2% of the W4 Conv1D forward pass on one thread.
type tileOut struct {
	accum bool
	bias  []float32
	relu  bool
}

// biasPtr returns the address of the first of the nr bias values, or nil.
func (o tileOut) biasPtr(nr int) *float32 {
	if o.bias == nil {
		return nil
	}
	_ = o.bias[nr-1]
	return &o.bias[0]
}

// directMaxLda bounds the row distance for reading A in place: the mr rows
// of A then fall in different L1 cache sets.
var directMaxLda = 512

// directTMaxLda bounds the row distance for reading transposed A in place:
// directT reads 48 bytes every lda floats, and with a large power-of-two
// lda those rows share few L1 sets and the panel falls out of L1 before
// its reuse. Measured on Conv1D kernel gradients, one thread: +8% at lda
// 64, +2% at 128, -13% at 256 against packing.
var directTMaxLda = 128

// workspace holds one goroutine's packing buffers.
type workspace struct {
	a, b, tile []float32
	rows       []float32 // the last, partial rows of an A block, zero-padded
	win        []float32 // the product in the row order of gemmWindows
	// own is op(B) packed whole by this goroutine for the round of call
	// ownFor, generation ownGen (roundRowsWholeB).
	own    PackedB
	ownFor *parallelCall
	ownGen uint64
}

// workspaces keeps the callers' packing buffers between products.
var workspaces = freeList[workspace]{fresh: func() *workspace { return new(workspace) }}

// freeList keeps objects for reuse like a sync.Pool, but never drops them:
// a garbage collection empties a sync.Pool, and the next product of a
// training step would then allocate its megabytes of packing buffers
// again. It holds as many objects as products ever ran at once.
type freeList[T any] struct {
	mu    sync.Mutex
	items []*T
	fresh func() *T
}

func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.items); n > 0 {
		x := l.items[n-1]
		l.items = l.items[:n-1]
		return x
	}
	return l.fresh()
}

func (l *freeList[T]) put(x *T) {
	l.mu.Lock()
	l.items = append(l.items, x)
	l.mu.Unlock()
}

// alignedFloats returns a slice of n float32s whose first element is on a
// 64-byte boundary (a cache line, the width of a ZMM load), reusing buf
// when it is large enough.
func alignedFloats(buf []float32, n int) []float32 {
	if cap(buf) >= n && uintptr(unsafe.Pointer(unsafe.SliceData(buf)))%64 == 0 {
		return buf[:n]
	}
	raw := make([]float32, n+16)
	off := int((64 - uintptr(unsafe.Pointer(unsafe.SliceData(raw)))%64) % 64 / 4)
	return raw[off : off+n : off+n]
}

// prepare sizes the workspace for kernel kr and a block of at most
// mc×kc of A and kc×nc of B.
func (ws *workspace) prepare(kr *microKernel, mc, nc, kc int) {
	mc = roundUp(mc, kr.mr)
	nc = roundUp(nc, kr.nr)
	ws.a = alignedFloats(ws.a, mc*kc)
	ws.b = alignedFloats(ws.b, nc*kc)
	ws.tile = alignedFloats(ws.tile, kr.mr*kr.nr)
	ws.rows = alignedFloats(ws.rows, kr.mr*kc)
}

// prepareA sizes only the A buffer and the scratch tile, for a goroutine
// that multiplies into a B block packed by another.
func (ws *workspace) prepareA(kr *microKernel, mc, kc int) {
	ws.a = alignedFloats(ws.a, roundUp(mc, kr.mr)*kc)
	ws.tile = alignedFloats(ws.tile, kr.mr*kr.nr)
	ws.rows = alignedFloats(ws.rows, kr.mr*kc)
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// blockDepth splits k into the fewest blocks of at most about kc and
// returns their common depth (a multiple of 8 for the A packer), so that
// k = 768 with kc = 512 gives two blocks of 384 rather than 512 + 256. It
// depends on k alone, which keeps results independent of the thread split.
func blockDepth(kc, k int) int {
	blocks := (k + kc - 1) / kc
	return min(roundUp((k+blocks-1)/blocks, 8), k)
}

// gemmBlock computes rows [i0,i1) and columns [j0,j1) of C with kernel kr
// and the buffers of ws. The arithmetic of each element of C does not depend
// on the block bounds, so any split of C gives the same bits.
func gemmBlock(kr *microKernel, ws *workspace, g *gemmArgs, i0, i1, j0, j1 int) {
	kcMax := blockDepth(kr.kc, g.k)
	ws.prepare(kr, min(kr.mc, i1-i0), min(kr.nc, j1-j0), kcMax)
	for jc := j0; jc < j1; {
		nc := min(kr.nc, j1-jc)
		if g.pb != nil {
			nc = min(nc, (jc/kr.nc+1)*kr.nc-jc) // within one block of the pack
		}
		for pc := 0; pc < g.k; pc += kcMax {
			kc := min(kcMax, g.k-pc)
			bp := ws.b
			if g.pb != nil {
				bp = g.pb.block(jc, pc, kc)
			} else {
				packB(kr, bp, g, pc, kc, jc, nc)
			}
			for ic := i0; ic < i1; ic += kr.mc {
				macroKernel(kr, ws, bp, g, ic, min(kr.mc, i1-ic), pc, kc, jc, nc)
			}
		}
		jc += nc
	}
}

// macroKernel packs op(A)[ic:ic+mc, pc:pc+kc] into ws.a and multiplies it
// by the packed B block bp (kc×nc, from packB) into C[ic:ic+mc, jc:jc+nc],
// overwriting C for the first K block when g.overwrite, adding otherwise.
func macroKernel(kr *microKernel, ws *workspace, bp []float32, g *gemmArgs, ic, mc, pc, kc, jc, nc int) {
	if g.win.gw > 0 {
		macroWin(kr, ws, bp, g, ic, mc, pc, kc, jc, nc)
		return
	}
	mr, nr := kr.mr, kr.nr
	accum := pc > 0 || !g.overwrite
	direct := kr.direct != nil && !g.transA && g.alpha == 1 && g.lda <= directMaxLda ||
		kr.directT != nil && g.transA && g.alpha == 1 && g.lda <= directTMaxLda
	if direct {
		// Only a last, partial panel of rows needs packing.
		if full := mc / mr * mr; full < mc {
			packA(kr, ws.a[full*kc:], ws.rows, g, ic+full, mc-full, pc, kc)
		}
	} else {
		packA(kr, ws.a, ws.rows, g, ic, mc, pc, kc)
	}
	// The output stage runs on each tile once its last K block is in.
	final := pc+kc == g.k
	for jr := 0; jr < nc; jr += nr {
		out := tileOut{accum: accum}
		if final {
			out.relu = g.relu
			if g.bias != nil {
				out.bias = g.bias[jc+jr:]
			}
		}
		for ir := 0; ir < mc; ir += mr {
			if direct && mc-ir >= mr {
				directTile(kr, ws, bp, g, ic+ir, pc, kc, jc, nc, jr, out)
			} else {
				microTile(kr, ws, bp, g, ic, mc, kc, jc, nc, ir, jr, out)
			}
		}
	}
}

// finishTile applies the bias and relu of out to the part of C that
// product rows [i, i+rows) and columns [col, col+cols) went to.
func finishTile(g *gemmArgs, i, rows, col, cols int, out tileOut) {
	for r := 0; r < rows; { // one pass unless the row map splits the tile
		row, n := g.run(i+r, rows-r)
		if n > 0 {
			biasRelu(g.c[row*g.ldc+col:], g.ldc, n, cols, out.bias, out.relu)
		}
		r += max(n, -n)
	}
}

// directTile runs the in-place micro-kernel (direct, or directT for
// transposed A) on the mr rows of op(A) from row i and B micro-panel jr,
// writing them to C with the stage out.
func directTile(kr *microKernel, ws *workspace, bp []float32, g *gemmArgs, i, pc, kc, jc, nc, jr int, out tileOut) {
	nr := kr.nr
	nrr := min(nr, nc-jr)
	bpanel := bp[jr*kc : (jr+nr)*kc]
	var kernel func(k int, a []float32, lda int, b, c []float32, ldc int, out tileOut)
	var a []float32
	if g.transA {
		kernel, a = kr.directT, g.a[pc*g.lda+i:]
	} else {
		kernel, a = kr.direct, g.a[i*g.lda+pc:]
	}
	// A whole tile on consecutive rows of C is stored in place.
	if row, n := g.run(i, kr.mr); nrr == nr && n == kr.mr {
		kernel(kc, a, g.lda, bpanel, g.c[row*g.ldc+jc+jr:], g.ldc, out)
		return
	}
	kernel(kc, a, g.lda, bpanel, ws.tile, nr, tileOut{})
	addTile(g, ws.tile, nr, i, jc+jr, kr.mr, nrr, out)
}

// addTile copies (out.accum false) or adds the rows×cols corner of the
// scratch tile (rows nr apart), product rows from i, into C at column col,
// through the row map, and applies the rest of the stage out there.
func addTile(g *gemmArgs, tile []float32, nr, i, col, rows, cols int, out tileOut) {
	for r := 0; r < rows; {
		row, n := g.run(i+r, rows-r)
		for ; n > 0; n, r, row = n-1, r+1, row+1 {
			dst := g.c[row*g.ldc+col : row*g.ldc+col+cols]
			src := tile[r*nr : r*nr+cols]
			if out.accum {
				for j, v := range src {
					dst[j] += v
				}
			} else {
				copy(dst, src)
			}
		}
		r -= n // a dropped run
	}
	if out.bias != nil || out.relu {
		finishTile(g, i, rows, col, cols, out)
	}
}

// microTile runs the micro-kernel on A micro-panel ir and B micro-panel jr,
// writing the tile to C with the stage out.
func microTile(kr *microKernel, ws *workspace, bp []float32, g *gemmArgs, ic, mc, kc, jc, nc, ir, jr int, out tileOut) {
	mr, nr := kr.mr, kr.nr
	nrr := min(nr, nc-jr)
	bpanel := bp[jr*kc : (jr+nr)*kc]
	mrr := min(mr, mc-ir)
	apanel := ws.a[ir*kc : (ir+mr)*kc]
	i := ic + ir
	fn, rows := kr.fn, mr
	for _, p := range kr.parts {
		if mrr <= p.rows {
			fn, rows = p.fn, p.rows
			break
		}
	}
	if row, n := g.run(i, rows); mrr == rows && nrr == nr && n == rows {
		fn(kc, apanel, bpanel, g.c[row*g.ldc+jc+jr:], g.ldc, out)
		return
	}
	// Edge tile, or rows the map splits: compute the tile into ws.tile
	// and copy the part that lies inside C.
	fn(kc, apanel, bpanel, ws.tile, nr, tileOut{})
	addTile(g, ws.tile, nr, i, jc+jr, mrr, nrr, out)
}

// packA copies alpha*op(A)[ic:ic+mc, pc:pc+kc] into dst as micro-panels
// of mr rows: panel q holds, for each p, the mr values of rows
// ic+q*mr ... at column pc+p next to each other. Rows past mc are zero.
// A is only read; its rows may overlap. rows is scratch space for mr×kc
// values.
func packA(kr *microKernel, dst, rows []float32, g *gemmArgs, ic, mc, pc, kc int) {
	mr := kr.mr
	alpha := g.alpha
	a, lda := g.a, g.lda
	for q := 0; q < mc; q += mr {
		panel := dst[q*kc : (q+mr)*kc]
		nrows := min(mr, mc-q)
		if g.transA {
			// op(A)[i][p] = a[p*lda+i]: each step's mr values are contiguous.
			i := ic + q
			if nrows == mr && kr.packAT != nil {
				kr.packAT(kc, a[pc*lda+i:], lda, panel, alpha)
				continue
			}
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+i : (pc+p)*lda+i+nrows]
				d := panel[p*mr : p*mr+mr]
				for r, v := range src {
					d[r] = alpha * v
				}
				clear(d[nrows:])
			}
			continue
		}
		// Step p gathers one column of the mr rows: the stores are
		// sequential and each row is read front to back.
		base := (ic+q)*lda + pc
		src, ld := a[base:], lda
		if nrows < mr && kr.packA8 != nil && kc >= 8 {
			// Copy the last rows into zero-padded scratch, so that the
			// fast packer can read mr rows.
			for r := 0; r < mr; r++ {
				if r < nrows {
					copy(rows[r*kc:(r+1)*kc], a[base+r*lda:base+r*lda+kc])
				} else {
					clear(rows[r*kc : (r+1)*kc])
				}
			}
			src, ld, nrows = rows, kc, mr
		}
		p0 := 0
		if nrows == mr && kr.packA8 != nil && kc >= 8 {
			n8 := kc / 8
			kr.packA8(n8, src, ld, panel, alpha)
			p0 = 8 * n8
		}
		for p := p0; p < kc; p++ {
			d := panel[p*mr : p*mr+mr]
			for r := 0; r < nrows; r++ {
				d[r] = alpha * src[r*ld+p]
			}
			clear(d[nrows:])
		}
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as micro-panels of nr
// columns: panel q holds, for each p, the nr values of row pc+p at columns
// jc+q*nr ... next to each other. Columns past nc are zero.
func packB(kr *microKernel, dst []float32, g *gemmArgs, pc, kc, jc, nc int) {
	nr := kr.nr
	b, ldb := g.b, g.ldb
	for q := 0; q < nc; q += nr {
		panel := dst[q*kc : (q+nr)*kc]
		cols := min(nr, nc-q)
		j := jc + q
		if g.transB {
			// op(B)[p][j] = b[j*ldb+p]: each column of op(B) is contiguous.
			for c := 0; c < cols; c++ {
				src := b[(j+c)*ldb+pc : (j+c)*ldb+pc+kc]
				d := panel[c:]
				for p, v := range src {
					d[p*nr] = v
				}
			}
			if cols < nr {
				for p := 0; p < kc; p++ {
					clear(panel[p*nr+cols : p*nr+nr])
				}
			}
			continue
		}
		if cols == nr && kr.packB != nil {
			kr.packB(kc, b[pc*ldb+j:], ldb, panel)
			continue
		}
		for p := 0; p < kc; p++ {
			d := panel[p*nr : p*nr+nr]
			copy(d, b[(pc+p)*ldb+j:(pc+p)*ldb+j+cols])
			clear(d[cols:])
		}
	}
}
