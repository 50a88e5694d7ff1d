package kernels

// The kernel gradient of a stride-1 convolution, dW += windowsᵀ·dy, is a
// product with transposed A whose rows overlap: with lda = channels and m
// = taps*channels, A[t*lda+c][p] = a[(p+t)*lda+c], tap t of channel c at
// step p. Packing A as any transposed A copies every value of the input
// taps times, with reads of a few floats a row 4·lda bytes apart; that
// packing took 13% of the W4 kernel-gradient product's CPU time on two
// threads (it was 20% slower than the forward product, which packs no A).
//
// gemmWindows multiplies such products with the rows of A (and C) in
// another order: the channels are cut into groups of gw = mr/taps, and
// micro-panel g holds rows t*gw+c for t < taps and c < gw: the taps of
// channels g*gw ... g*gw+gw-1. Row t*gw+c of that panel at step p is then
// a[(p+t)*lda+g*gw+c], that is, in a run of the group's gw channels over
// the steps (the block's kc steps and taps-1 more), element p*gw+t*gw+c:
// the panel is the run read with lda gw by the kernel that reads
// transposed A in place (directT). So each value of the input is packed
// once per K block instead of taps times, each row read front to back.
//
// The arithmetic of every element of C is that of gemm's: the same
// micro-kernel FMAs over the same K blocks, added to C block after block.
// The product goes to a scratch C in the panels' row order (holding C's
// values first when they are added to) and is copied back, so the result
// is the same bits as gemm's, on any number of threads.

// winSpec describes A as windows packed by group (gw > 0): taps per
// window, gw channels per group.
type winSpec struct{ taps, gw int }

// windowsGrad enables gemmWindows; tests turn it off to compare.
var windowsGrad = true

// windowsMinLda is the fewest channels for which gemmWindows runs: with
// fewer, the kernel gradient reads the windows in place (directT, no
// packing at all), and gemmWindows' copies of C in and out would weigh
// more on the smaller product. Tests lower it.
var windowsMinLda = directTMaxLda + 1

// windows returns the number of taps when g's A is the windows of a
// stride-1 convolution that gemmWindows can multiply with kr: transposed,
// alpha 1, m a multiple of lda (at least windowsMinLda) with taps = m/lda
// dividing mr (at least 2), no output stage or row map; 0 otherwise.
func windows(kr *microKernel, g *gemmArgs) int {
	if !windowsGrad || kr.directT == nil || !g.transA || g.alpha != 1 || g.period != 0 ||
		g.bias != nil || g.relu || g.lda < max(windowsMinLda, 1) || g.m%g.lda != 0 {
		return 0
	}
	taps := g.m / g.lda
	if taps < 2 || kr.mr%taps != 0 {
		return 0
	}
	return taps
}

// gemmWindows runs g, whose A is the windows of taps taps (see windows),
// through gemm with the rows of A and C in group order.
func gemmWindows(kr *microKernel, g *gemmArgs, taps int) {
	cin, n, mr := g.lda, g.n, kr.mr
	gw := mr / taps
	groups := (cin + gw - 1) / gw
	ws := workspaces.get()
	defer workspaces.put(ws)
	ws.win = alignedFloats(ws.win, groups*mr*n)
	s := ws.win
	// Row g*mr+t*gw+c of s is row t*cin+g*gw+c of C (none when that
	// channel is past cin).
	each := func(fn func(srow []float32, crow int)) {
		for q := 0; q < groups; q++ {
			for t := 0; t < taps; t++ {
				for c := 0; c < gw; c++ {
					row := q*mr + t*gw + c
					crow := -1
					if ch := q*gw + c; ch < cin {
						crow = t*cin + ch
					}
					fn(s[row*n:(row+1)*n], crow)
				}
			}
		}
	}
	if !g.overwrite {
		each(func(srow []float32, crow int) {
			if crow < 0 {
				clear(srow)
				return
			}
			copy(srow, g.c[crow*g.ldc:crow*g.ldc+n])
		})
	}
	w := *g
	w.m, w.c, w.ldc, w.win = groups*mr, s, n, winSpec{taps: taps, gw: gw}
	gemm(kr, &w)
	each(func(srow []float32, crow int) {
		if crow >= 0 {
			copy(g.c[crow*g.ldc:crow*g.ldc+n], srow)
		}
	})
}

// macroWin is macroKernel for windows packed by group: it packs the
// groups of rows [ic, ic+mc) (whole micro-panels) for K block [pc, pc+kc)
// into ws.a and multiplies them by the packed B block bp into C[ic:ic+mc,
// jc:jc+nc] with directT.
func macroWin(kr *microKernel, ws *workspace, bp []float32, g *gemmArgs, ic, mc, pc, kc, jc, nc int) {
	mr, nr, gw := kr.mr, kr.nr, g.win.gw
	steps := kc + g.win.taps - 1
	run := steps * gw // one group's packed run
	packWin(kr, ws.a, g, ic/mr, mc/mr, pc, steps)
	out := tileOut{accum: pc > 0 || !g.overwrite}
	kernel := kr.win[gw]
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		bpanel := bp[jr*kc : (jr+nr)*kc]
		for ir := 0; ir < mc; ir += mr {
			a := ws.a[ir/mr*run : (ir/mr+1)*run]
			c, ldc, o := g.c[(ic+ir)*g.ldc+jc+jr:], g.ldc, out
			if nrr < nr { // an edge tile: into the scratch tile first
				c, ldc, o = ws.tile, nr, tileOut{}
			}
			if kernel != nil {
				kernel(kc, a, bpanel, c, ldc, o)
			} else {
				kr.directT(kc, a, gw, bpanel, c, ldc, o)
			}
			if nrr < nr {
				addTile(g, ws.tile, nr, ic+ir, jc+jr, mr, nrr, out)
			}
		}
	}
}

// packWin copies channel groups [g0, g0+ng) of input steps [pc, pc+steps)
// into dst, group q's run at q*steps*gw: run[s*gw+c] = a[(pc+s)*lda +
// (g0+q)*gw + c], zero for channels past lda.
func packWin(kr *microKernel, dst []float32, g *gemmArgs, g0, ng, pc, steps int) {
	gw, cin := g.win.gw, g.lda
	run := steps * gw
	full := min(ng, max(cin/gw-g0, 0)) // groups wholly inside the channels
	if full > 0 {
		src := g.a[pc*cin+g0*gw:]
		if kr.packWin != nil {
			kr.packWin(steps, src, cin, full, gw, dst, run)
		} else {
			packWinGo(steps, src, cin, full, gw, dst, run)
		}
	}
	for q := full; q < ng; q++ {
		c0 := (g0 + q) * gw
		n := max(min(gw, cin-c0), 0)
		d := dst[q*run : (q+1)*run]
		for s := 0; s < steps; s++ {
			if n > 0 {
				copy(d[s*gw:s*gw+n], g.a[(pc+s)*cin+c0:])
			}
			clear(d[s*gw+n : (s+1)*gw])
		}
	}
}

// packWinGo sets dst[q*stride+s*gw+c] = src[s*ld+q*gw+c] for s < steps,
// q < groups, c < gw: packWin for whole groups, in plain Go.
func packWinGo(steps int, src []float32, ld, groups, gw int, dst []float32, stride int) {
	for s := 0; s < steps; s++ {
		row := src[s*ld : s*ld+groups*gw]
		for q := 0; q < groups; q++ {
			copy(dst[q*stride+s*gw:q*stride+(s+1)*gw], row[q*gw:(q+1)*gw])
		}
	}
}
