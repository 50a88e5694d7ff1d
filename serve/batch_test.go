package serve

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/seqnet/seqnet/pipeline"
)

// TestBatcherRunsALoneRequestAtOnce: with the batcher's loop idle, nothing
// queued, no other request being decoded and a free slot, a request's pass
// runs on its own goroutine and gives what predict gives; otherwise it is
// queued for the batcher. The loop is not started here (its idle state is
// set by hand), so a queued request stays queued.
func TestBatcherRunsALoneRequestAtOnce(t *testing.T) {
	m, p, err := pipeline.Load(spamModel)
	if err != nil {
		t.Fatal(err)
	}
	lm := &loaded{m: m, p: p}
	batch, err := p.Texts([]string{"win a free prize now", "see you at lunch"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := predict(m, batch.X)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	b := newBatcher(time.Millisecond, 256, func(n int) { sizes = append(sizes, n) })
	b.idle.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	y, err := b.submit(ctx, lm, batch.X) // queued, it would wait for ever
	if err != nil {
		t.Fatalf("a lone request was not run at once: %v", err)
	}
	if !slices.Equal(y.Data, want.Data) || !slices.Equal(sizes, []int{2}) || len(b.slots) != 0 {
		t.Fatalf("alone: outputs %v (want %v), batch sizes %v (want [2]), %d slots left taken", y.Data, want.Data, sizes, len(b.slots))
	}

	queued := func(what string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := b.submit(ctx, lm, batch.X); !errors.Is(err, context.DeadlineExceeded) || len(b.jobs) != 1 {
			t.Fatalf("%s: submit gave %v with %d jobs queued; want it queued (and, no batcher running, timed out)", what, err, len(b.jobs))
		}
		<-b.jobs
	}
	b.decoding.Add(1)
	queued("another request being decoded")
	b.decoding.Add(-1)
	b.idle.Store(false)
	queued("a batch being gathered")
	b.idle.Store(true)
	for range cap(b.slots) {
		b.slots <- struct{}{}
	}
	queued("every slot busy")
}
