package serve

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// job is one request's samples waiting for a forward pass.
type job struct {
	lm   *loaded
	x    *tensor.Tensor
	done chan result // buffered: the batcher never blocks on it
}

type result struct {
	y   *tensor.Tensor
	err error
}

// batcher runs the forward passes of one model name: it gathers the jobs
// that arrive together into one batch. After the first job it takes every
// job already queued and, while other requests are still being decoded
// (so more will come soon) and the batch is not full, waits up to window
// for them; a lone request never waits.
//
// A request that finds the batcher with nothing to do (no job queued, no
// other request being decoded, a free slot) runs its pass at once on its
// own goroutine: it would have been a batch of its own anyway, and the
// hand-offs to the batcher and back (two goroutine wake-ups each way) are
// latency a lone client sees on every request.
//
// Up to one batch per core runs at a time. A batcher that waited for each
// pass to finish before gathering the next left cores idle: a small
// batch's pass does not fill them, and the requests that came meanwhile
// waited. Gathering starts only when a slot is free, so while every slot
// is busy the queue grows and the next batch takes it whole.
type batcher struct {
	jobs     chan *job
	slots    chan struct{} // one token per batch in flight
	window   time.Duration
	max      int
	observe  func(n int)
	decoding atomic.Int64 // requests decoded but not yet queued
	idle     atomic.Bool  // the loop waits for a first job, a slot in hand
}

func newBatcher(window time.Duration, max int, observe func(int)) *batcher {
	return &batcher{
		jobs:    make(chan *job, 1024),
		slots:   make(chan struct{}, runtime.GOMAXPROCS(0)),
		window:  window,
		max:     max,
		observe: observe,
	}
}

// submit runs x at once when the batcher is idle, or queues it and waits
// for its outputs (or ctx).
func (b *batcher) submit(ctx context.Context, lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
	if y, ran, err := b.runAlone(lm, x); ran {
		return y, err
	}
	j := &job{lm: lm, x: x, done: make(chan result, 1)}
	select {
	case b.jobs <- j:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-j.done:
		return r.y, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runAlone runs x's pass on the calling goroutine if the batcher's loop is
// idle, nothing else is waiting to be batched and a slot is free; ran
// reports whether it did. A batch being gathered is never bypassed (it
// would wait out its window for this request). The slot keeps the passes
// in flight at one per core, and a request that arrives meanwhile is
// batched as usual.
func (b *batcher) runAlone(lm *loaded, x *tensor.Tensor) (y *tensor.Tensor, ran bool, err error) {
	if !b.idle.Load() || len(b.jobs) > 0 || b.decoding.Load() > 0 {
		return nil, false, nil
	}
	select {
	case b.slots <- struct{}{}:
	default:
		return nil, false, nil
	}
	defer func() { <-b.slots }()
	if b.observe != nil {
		b.observe(x.Shape[0])
	}
	y, err = predict(lm.m, x)
	return y, true, err
}

// compatible says whether j can join a batch started by first: the same
// model version and per-sample shape.
func compatible(first, j *job) bool {
	return j.lm == first.lm && slices.Equal(j.x.Shape[1:], first.x.Shape[1:]) && (j.x.Mask == nil) == (first.x.Mask == nil)
}

// run gathers and starts batches until stop is closed, then waits for the
// batches in flight.
func (b *batcher) run(stop <-chan struct{}) {
	defer func() {
		for range cap(b.slots) {
			b.slots <- struct{}{}
		}
	}()
	var carry *job
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case b.slots <- struct{}{}:
		case <-stop:
			return
		}
		first := carry
		carry = nil
		if first == nil {
			b.idle.Store(true)
			select {
			case first = <-b.jobs:
				b.idle.Store(false)
			case <-stop:
				b.idle.Store(false)
				<-b.slots
				return
			}
		}
		batch, n, next := b.gather(first, timer, stop)
		carry = next
		go func() {
			b.runBatch(batch, n)
			<-b.slots
		}()
	}
}

// gather starts a batch with first and adds the waiting jobs that can join
// it, up to b.max samples; while requests are still being decoded it waits
// up to b.window for more. A job that cannot join is returned as carry, to
// start the next batch.
func (b *batcher) gather(first *job, timer *time.Timer, stop <-chan struct{}) (batch []*job, n int, carry *job) {
	batch = []*job{first}
	n = first.x.Shape[0]
	// add puts j in the batch, or keeps it as carry and says the batch is
	// complete when j cannot join it.
	add := func(j *job) bool {
		if !compatible(first, j) {
			carry = j
			return false
		}
		batch = append(batch, j)
		n += j.x.Shape[0]
		return true
	}
	waiting := false
loop:
	for n < b.max {
		select {
		case j := <-b.jobs:
			if !add(j) {
				break loop
			}
			continue
		default:
		}
		if b.decoding.Load() == 0 {
			break
		}
		if !waiting {
			timer.Reset(b.window)
			waiting = true
		}
		select {
		case j := <-b.jobs:
			if !add(j) {
				break loop
			}
		case <-timer.C:
			waiting = false
			break loop
		case <-stop:
			break loop
		}
	}
	if waiting {
		timer.Stop() // since Go 1.23 a stopped timer delivers no stale value
	}
	return batch, n, carry
}

// runBatch predicts the jobs' samples in one pass and hands each its rows.
func (b *batcher) runBatch(batch []*job, n int) {
	if b.observe != nil {
		b.observe(n)
	}
	x := batch[0].x
	if len(batch) > 1 {
		x = concat(batch, n)
	}
	y, err := predict(batch[0].lm.m, x)
	at := 0
	for _, j := range batch {
		k := j.x.Shape[0]
		if err != nil {
			j.done <- result{err: err}
			continue
		}
		j.done <- result{y: y.Rows(at, at+k)}
		at += k
	}
}

// concat stacks the jobs' inputs (same per-sample shape) into one tensor.
func concat(batch []*job, n int) *tensor.Tensor {
	shape := append([]int{n}, batch[0].x.Shape[1:]...)
	x := tensor.New(shape...)
	if batch[0].x.Mask != nil {
		x.Mask = make([]bool, 0, len(x.Data))
	}
	at := 0
	for _, j := range batch {
		at += copy(x.Data[at:], j.x.Data)
		if x.Mask != nil {
			x.Mask = append(x.Mask, j.x.Mask...)
		}
	}
	return x
}

// chunkSizes are the batch sizes predict runs the model at. A model keeps
// buffers for a few batch sizes only (model.maxExecutors, 4) and rebuilds
// them for a new one: batches of every size from 1 to MaxBatch would
// rebuild them on most passes. Any n is a sum of these sizes (its base-4
// digits), so no sample is padded.
var chunkSizes = [...]int{64, 16, 4, 1}

// predict runs m on x in chunks of chunkSizes.
func predict(m *model.Model, x *tensor.Tensor) (*tensor.Tensor, error) {
	n := x.Shape[0]
	var out *tensor.Tensor
	at := 0
	for _, size := range chunkSizes {
		for ; n-at >= size; at += size {
			y, err := m.Predict(x.Rows(at, at+size), size)
			if err != nil {
				return nil, err
			}
			if y.Rank() < 1 || y.Shape[0] != size {
				return nil, fmt.Errorf("the model gave outputs of shape %v for %d samples", y.Shape, size)
			}
			if out == nil {
				out = tensor.New(append([]int{n}, y.Shape[1:]...)...)
			}
			per := len(y.Data) / size
			copy(out.Data[at*per:], y.Data)
		}
	}
	if out == nil {
		return nil, fmt.Errorf("no samples to predict")
	}
	return out, nil
}
