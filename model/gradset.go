package model

import "github.com/seqnet/seqnet/layers"

// setGrads finds the gradient buffers that backward writes whole, so that
// zeroGrads can skip them: a buffer that exactly one layer writes (as the
// gradient of its only input) when that layer can write it rather than add
// into it (layers.InputGradSetter). It sets that layer's
// Context.SetInputGrad and returns the buffers, by their first element.
// The model outputs' gradients are not among them (the loss fills them),
// nor a buffer that a layer sharing its input's memory (Flatten) makes a
// second name for and that two layers write through the two names.
func (e *executor) setGrads() map[*float32]bool {
	type writer struct {
		nd    *node
		count int
	}
	writers := map[*float32]*writer{}
	for _, nd := range e.m.nodes {
		if sharesInput(nd) {
			continue // writes nothing: its gradient is its input's
		}
		for _, g := range e.dins[nd.id] {
			if g == nil || len(g.Data) == 0 {
				continue
			}
			w := writers[&g.Data[0]]
			if w == nil {
				w = &writer{nd: nd}
				writers[&g.Data[0]] = w
			}
			w.count++
		}
	}
	for _, o := range e.m.outputs {
		if g := e.grads[o.node.id][o.index]; len(g.Data) > 0 {
			delete(writers, &g.Data[0])
		}
	}
	set := map[*float32]bool{}
	for buf, w := range writers {
		s, ok := w.nd.layer.(layers.InputGradSetter)
		if w.count == 1 && len(w.nd.inputs) == 1 && ok && s.SetsInputGrad() {
			e.ctxs[w.nd.id].SetInputGrad = true
			set[buf] = true
		}
	}
	return set
}

// sharesInput reports whether nd's output is its input's memory
// (Flatten): its gradient buffer is then its input's too.
func sharesInput(nd *node) bool {
	sh, ok := nd.layer.(interface{ SharesInput() bool })
	return ok && sh.SharesInput() && len(nd.inputs) == 1
}
