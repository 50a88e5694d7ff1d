package serve

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// job is one request's samples waiting for a forward pass.
type job struct {
	lm   *loaded
	x    *tensor.Tensor
	done chan result // buffered: a sender never blocks on it
}

// result is a job's outputs, or (lead non-nil) a batch that the job's own
// goroutine is to run: the lane of a finished batch, handed on.
type result struct {
	y    *tensor.Tensor
	err  error
	lead []*job
}

// batcher runs the forward passes of one model name and gathers the
// requests that arrive together into one batch. It has no goroutine of its
// own: every pass runs on the goroutine of one of its requests (a
// leader/follower scheme).
//
// Up to one batch per core (a lane) runs at a time. A request that finds a
// lane free takes it and leads: it runs a batch of its own samples and,
// while other requests are still being decoded (so more will come soon)
// and the batch is not full, of those that arrive within window. A lone
// request therefore never waits, and its pass runs on its own goroutine:
// no hand-off to another goroutine and back, whose wake-ups a lone client
// would see on every request. A request that finds every lane busy waits
// in a queue. A leader that finishes hands its lane to the oldest waiting
// request, whose goroutine runs it and the queued requests that can join
// it (up to max samples) as the next batch. While every lane is busy the
// queue grows, and the next batch takes it whole; each batch costs one
// wake-up (its leader's) besides the answers.
//
// One lane per core, not one batch at a time: a small batch's pass does
// not fill the cores, and the requests that came meanwhile would wait.
type batcher struct {
	window   time.Duration
	max      int
	lanes    int
	observe  func(n int)
	pass     func(*loaded, *tensor.Tensor) (*tensor.Tensor, error) // predict's pass; tests replace it
	decoding atomic.Int64                                          // requests being decoded, not yet submitted

	mu      sync.Mutex
	queue   []*job     // waiting for a lane, oldest first; non-empty only while every lane is busy
	running int        // lanes taken: batches running or being gathered
	gather  *gathering // the batch a leader is waiting to fill, if any
}

// gathering is a batch whose leader waits (up to window) for the requests
// being decoded.
type gathering struct {
	batch []*job
	n     int           // samples in batch
	more  chan struct{} // a request joined (buffered: the sender never waits)
}

func newBatcher(window time.Duration, max int, observe func(int)) *batcher {
	return &batcher{window: window, max: max, lanes: runtime.GOMAXPROCS(0), observe: observe,
		pass: func(lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) { return predict(lm.m, x) }}
}

// submit runs x's forward pass, batched with the requests that arrive
// with it, and returns its outputs (or ctx's error while it waits in the
// queue).
func (b *batcher) submit(ctx context.Context, lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
	b.mu.Lock()
	if b.gather == nil && b.running < b.lanes && len(b.queue) == 0 && b.decoding.Load() == 0 {
		// Alone: no job to make, nothing to gather or answer.
		b.running++
		b.mu.Unlock()
		return b.lead([]*job{{lm: lm, x: x}}, nil)
	}
	j := &job{lm: lm, x: x, done: make(chan result, 1)}
	if g := b.gather; g != nil && g.n < b.max && compatible(g.batch[0], j) {
		// Joining the batch being gathered: it would otherwise wait out
		// its window for this request.
		g.batch = append(g.batch, j)
		g.n += x.Shape[0]
		b.mu.Unlock()
		select {
		case g.more <- struct{}{}:
		default:
		}
		return b.wait(ctx, j)
	}
	if b.running == b.lanes || len(b.queue) > 0 {
		b.queue = append(b.queue, j)
		b.mu.Unlock()
		return b.wait(ctx, j)
	}
	b.running++
	batch := []*job{j}
	if b.gather == nil && b.decoding.Load() > 0 && x.Shape[0] < b.max {
		g := &gathering{batch: batch, n: x.Shape[0], more: make(chan struct{}, 1)}
		b.gather = g
		b.mu.Unlock()
		batch = b.fill(g)
	} else {
		b.mu.Unlock()
	}
	return b.lead(batch, j)
}

// fill waits, up to window, for the requests being decoded to join g, and
// returns g's batch once it is full, nothing more is being decoded, or the
// window is over.
func (b *batcher) fill(g *gathering) []*job {
	timer := time.NewTimer(b.window)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if g.n >= b.max || b.decoding.Load() == 0 {
			break
		}
		b.mu.Unlock()
		select {
		case <-g.more:
			continue
		case <-timer.C:
			b.mu.Lock()
		}
		break
	}
	b.gather = nil
	b.mu.Unlock()
	return g.batch
}

// wait waits for j's outputs, or for a batch to lead. When ctx ends while
// j is still queued, j leaves the queue; once j is in a batch, its answer
// (or its lead, which must be run: other requests are in it) comes within
// one pass, and is waited for.
func (b *batcher) wait(ctx context.Context, j *job) (*tensor.Tensor, error) {
	var r result
	select {
	case r = <-j.done:
	case <-ctx.Done():
		b.mu.Lock()
		if i := slices.Index(b.queue, j); i >= 0 {
			b.queue = slices.Delete(b.queue, i, i+1)
			b.mu.Unlock()
			return nil, ctx.Err()
		}
		b.mu.Unlock()
		r = <-j.done
		if r.lead != nil {
			b.lead(r.lead, j)
		}
		return nil, ctx.Err()
	}
	if r.lead != nil {
		return b.lead(r.lead, j)
	}
	return r.y, r.err
}

// lead runs batch (self is one of its jobs) on a lane the caller holds,
// hands the lane on to the queue's next batch, answers the batch's other
// jobs and returns self's outputs. If the pass panics, the lane is handed
// on and the other jobs get an error before the panic goes on (net/http
// recovers it): no request waits for ever.
func (b *batcher) lead(batch []*job, self *job) (*tensor.Tensor, error) {
	n := 0
	for _, j := range batch {
		n += j.x.Shape[0]
	}
	if b.observe != nil {
		b.observe(n)
	}
	x := batch[0].x
	if len(batch) > 1 {
		x = concat(batch, n)
	}
	y, p, err := b.safePass(batch[0].lm, x)
	b.handOn()
	if p != nil {
		b.answer(batch, self, nil, fmt.Errorf("the forward pass failed: %v", p))
		panic(p)
	}
	return b.answer(batch, self, y, err)
}

// safePass runs b.pass, returning what it panicked with, if it did.
func (b *batcher) safePass(lm *loaded, x *tensor.Tensor) (y *tensor.Tensor, panicked any, err error) {
	defer func() { panicked = recover() }()
	y, err = b.pass(lm, x)
	return y, nil, err
}

// handOn gives the caller's lane to the oldest queued job with the queued
// jobs that can join its batch, or frees it when nothing waits.
func (b *batcher) handOn() {
	b.mu.Lock()
	if len(b.queue) == 0 {
		b.running--
		b.mu.Unlock()
		return
	}
	first := b.queue[0]
	n, k := first.x.Shape[0], 1
	for k < len(b.queue) && n < b.max && compatible(first, b.queue[k]) {
		n += b.queue[k].x.Shape[0]
		k++
	}
	next := slices.Clone(b.queue[:k])
	b.queue = append(b.queue[:0], b.queue[k:]...)
	clear(b.queue[len(b.queue):cap(b.queue)]) // no stale pointers behind the queue
	b.mu.Unlock()
	first.done <- result{lead: next}
}

// answer gives each job of batch other than self its rows of y (or err)
// and returns self's.
func (b *batcher) answer(batch []*job, self *job, y *tensor.Tensor, err error) (*tensor.Tensor, error) {
	if len(batch) == 1 {
		return y, err
	}
	var mine result
	at := 0
	for _, j := range batch {
		k := j.x.Shape[0]
		r := result{err: err}
		if err == nil {
			r.y = y.Rows(at, at+k)
		}
		at += k
		if j == self {
			mine = r
			continue
		}
		j.done <- r
	}
	return mine.y, mine.err
}

// compatible says whether j can join a batch started by first: the same
// model version and per-sample shape.
func compatible(first, j *job) bool {
	return j.lm == first.lm && slices.Equal(j.x.Shape[1:], first.x.Shape[1:]) && (j.x.Mask == nil) == (first.x.Mask == nil)
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
	if slices.Contains(chunkSizes[:], n) {
		// One chunk: Predict's outputs are the answer (no view, no copy).
		y, err := m.Predict(x, n)
		if err == nil && (y.Rank() < 1 || y.Shape[0] != n) {
			err = fmt.Errorf("the model gave outputs of shape %v for %d samples", y.Shape, n)
		}
		return y, err
	}
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
