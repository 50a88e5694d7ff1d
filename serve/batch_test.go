package serve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// goid is the calling goroutine's number (from its stack trace's header).
func goid() string {
	b := make([]byte, 64)
	return strings.Fields(string(b[:runtime.Stack(b, false)]))[1]
}

// TestBatcherRunsALoneRequestAtOnce: a request that finds a lane free and
// nothing else being decoded runs its pass on its own goroutine, at once,
// and gets what predict gives.
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
	b := newBatcher(time.Hour, 256, func(n int) { sizes = append(sizes, n) })
	var ranOn string
	b.pass = func(lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
		ranOn = goid()
		return predict(lm.m, x)
	}
	y, err := b.submit(context.Background(), lm, batch.X)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y.Data, want.Data) || !slices.Equal(sizes, []int{2}) {
		t.Fatalf("outputs %v (want %v), batch sizes %v (want [2])", y.Data, want.Data, sizes)
	}
	if ranOn != goid() || b.running != 0 || len(b.queue) != 0 {
		t.Fatalf("the pass ran on goroutine %s, the request's is %s; %d lanes still taken, %d jobs queued", ranOn, goid(), b.running, len(b.queue))
	}
}

// rowsOf is k samples of 3 values, the first of each sample its tag
// (tag, tag+1, …); tagPass answers each sample with its tag.
func rowsOf(tag, k int) *tensor.Tensor {
	x := tensor.New(k, 3)
	for i := range k {
		x.Data[i*3] = float32(tag + i)
	}
	return x
}

func tagPass(_ *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
	y := tensor.New(x.Shape[0], 1)
	for i := range y.Data {
		y.Data[i] = x.Data[i*3]
	}
	return y, nil
}

// checkTags says whether y answers rowsOf(tag, k).
func checkTags(y *tensor.Tensor, tag, k int) error {
	if y == nil || !slices.Equal(y.Shape, []int{k, 1}) {
		return fmt.Errorf("request %d: outputs %v, want shape [%d 1]", tag, y, k)
	}
	for i, v := range y.Data {
		if v != float32(tag+i) {
			return fmt.Errorf("request %d: outputs %v, want %d to %d", tag, y.Data, tag, tag+k-1)
		}
	}
	return nil
}

// queued waits until the batcher holds n queued jobs.
func queued(t *testing.T, b *batcher, n int) {
	t.Helper()
	got := 0
	waitFor(t, func() bool {
		b.mu.Lock()
		got = len(b.queue)
		b.mu.Unlock()
		return got == n
	}, func() string { return fmt.Sprintf("%d jobs queued, want %d", got, n) })
}

// waitFor polls cond until it holds, and fails t with what() if it does
// not within 10 s (a bound on a hang, not on speed).
func waitFor(t *testing.T, cond func() bool, what func() string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
	}
}

// submitTagged submits k rows tagged from tag and checks that the answer
// holds exactly those rows.
func submitTagged(ctx context.Context, b *batcher, lm *loaded, tag, k int) error {
	y, err := b.submit(ctx, lm, rowsOf(tag, k))
	if err != nil {
		return err
	}
	return checkTags(y, tag, k)
}

// TestBatcherHandsTheLaneOn: with the one lane busy, requests queue; when
// the pass ends, the oldest queued request's goroutine runs the next batch:
// the queued requests that can join it (the same model version), in order,
// up to the maximum batch. Each request gets its own rows.
func TestBatcherHandsTheLaneOn(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	b := newBatcher(time.Hour, 4, func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() })
	b.lanes = 1
	started, release := make(chan struct{}), make(chan struct{})
	ranOn := map[int]string{} // the first tag of each batch: the goroutine its pass ran on
	b.pass = func(lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
		mu.Lock()
		ranOn[int(x.Data[0])] = goid()
		first := len(ranOn) == 1
		mu.Unlock()
		if first {
			close(started)
			<-release
		}
		return tagPass(lm, x)
	}
	v1, v2 := &loaded{}, &loaded{} // two versions of the model: never one batch
	type req struct {
		lm     *loaded
		tag, k int
	}
	// 0 takes the lane; then 10, 20 and 30 join one batch (4 samples: the
	// maximum), 40 starts the next, 50 (another version) one of its own,
	// 60 the last.
	reqs := []req{{v1, 0, 1}, {v1, 10, 1}, {v1, 20, 2}, {v1, 30, 1}, {v1, 40, 1}, {v2, 50, 2}, {v1, 60, 1}}
	var wg sync.WaitGroup
	goids := make([]string, len(reqs))
	errs := make(chan error, len(reqs))
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			goids[i] = goid()
			err := submitTagged(context.Background(), b, r.lm, r.tag, r.k)
			if err != nil {
				errs <- err
			}
		}()
		if i == 0 {
			<-started
		} else {
			queued(t, b, i)
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if want := []int{1, 4, 1, 2, 1}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
	for i, first := range []int{0, 10, 40, 50, 60} {
		if at := slices.IndexFunc(reqs, func(r req) bool { return r.tag == first }); ranOn[first] != goids[at] {
			t.Errorf("batch %d (from request %d) ran on goroutine %s, not its first request's (%s)", i, first, ranOn[first], goids[at])
		}
	}
	if b.running != 0 || len(b.queue) != 0 {
		t.Errorf("after the last pass: %d lanes taken, %d jobs queued", b.running, len(b.queue))
	}
}

// TestBatcherGathers: a request that takes a lane while others are being
// decoded waits for them (up to the window); one that arrives meanwhile
// joins its batch even with a lane free. With nothing arriving, the batch
// goes alone once the window is over.
func TestBatcherGathers(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	b := newBatcher(time.Hour, 256, func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() })
	b.pass = tagPass
	lm := &loaded{}
	b.decoding.Add(1) // the second request, being decoded
	done := make(chan error, 2)
	go func() {
		done <- submitTagged(context.Background(), b, lm, 0, 2)
	}()
	waitFor(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.gather != nil
	}, func() string { return "the first request did not wait for the one being decoded" })
	b.decoding.Add(-1) // decoded: submitted (as call.predict does)
	if err := submitTagged(context.Background(), b, lm, 10, 1); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{3}) {
		t.Fatalf("batch sizes %v, want [3]: one batch of both requests", sizes)
	}

	b.window = 20 * time.Millisecond
	b.decoding.Add(1) // never submitted
	start := time.Now()
	err := submitTagged(context.Background(), b, lm, 20, 1)
	if err != nil || time.Since(start) < b.window || !slices.Equal(sizes, []int{3, 1}) {
		t.Fatalf("a request waiting for one that never comes: %v after %v (window %v), sizes %v", err, time.Since(start), b.window, sizes)
	}
	if b.running != 0 || b.gather != nil {
		t.Fatalf("%d lanes taken, gathering %v", b.running, b.gather)
	}
}

// TestBatcherCancelWhileQueued: a queued request whose context ends leaves
// the queue; the batcher goes on serving.
func TestBatcherCancelWhileQueued(t *testing.T) {
	b := newBatcher(time.Hour, 256, nil)
	b.lanes = 1
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	b.pass = func(lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
		once.Do(func() { close(started); <-release })
		return tagPass(lm, x)
	}
	lm := &loaded{}
	first := make(chan error, 1)
	go func() {
		first <- submitTagged(context.Background(), b, lm, 0, 1)
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := b.submit(ctx, lm, rowsOf(10, 1))
		cancelled <- err
	}()
	queued(t, b, 1)
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled queued request gave %v", err)
	}
	queued(t, b, 0)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	err := submitTagged(context.Background(), b, lm, 20, 1)
	if err != nil || b.running != 0 {
		t.Fatalf("after a cancelled request: %v, %d lanes taken", err, b.running)
	}
}

// TestBatcherPassPanics: when a pass panics, the batch's other requests
// get an error, the lane goes to the next queued request, and the leader's
// goroutine panics (net/http recovers a handler's panic): no request waits
// for ever.
func TestBatcherPassPanics(t *testing.T) {
	b := newBatcher(time.Hour, 256, nil)
	b.lanes = 1
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	b.pass = func(lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
		once.Do(func() { close(started); <-release })
		if x.Data[0] == 10 {
			panic("planted")
		}
		return tagPass(lm, x)
	}
	lm, other := &loaded{}, &loaded{}
	results := make(chan string, 4)
	submit := func(lm *loaded, tag int) {
		defer func() {
			if p := recover(); p != nil {
				results <- fmt.Sprintf("%d panicked: %v", tag, p)
			}
		}()
		err := submitTagged(context.Background(), b, lm, tag, 1)
		results <- fmt.Sprintf("%d: %v", tag, err)
	}
	go submit(lm, 0)
	<-started
	go submit(lm, 10) // leads the next batch, whose pass panics
	queued(t, b, 1)
	go submit(lm, 20) // in that batch
	queued(t, b, 2)
	go submit(other, 30) // the batch after
	queued(t, b, 3)
	close(release)
	var got []string
	for range 4 {
		select {
		case r := <-results:
			got = append(got, r)
		case <-time.After(10 * time.Second):
			t.Fatalf("a request waits for ever; answered: %q", got)
		}
	}
	slices.Sort(got)
	want := []string{"0: <nil>", "10 panicked: planted", "20: the forward pass failed: planted", "30: <nil>"}
	if !slices.Equal(got, want) || b.running != 0 {
		t.Fatalf("answers %q, want %q; %d lanes taken", got, want, b.running)
	}
}

// TestBatcherConcurrent: 50 clients submit requests of 1 to 3 samples of
// two model versions; each gets its own rows, every sample is in exactly
// one pass, and the batcher ends idle. Run with -race.
func TestBatcherConcurrent(t *testing.T) {
	var mu sync.Mutex
	total := 0
	b := newBatcher(50*time.Microsecond, 8, func(n int) { mu.Lock(); total += n; mu.Unlock() })
	b.pass = func(lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
		time.Sleep(20 * time.Microsecond)
		return tagPass(lm, x)
	}
	versions := []*loaded{{}, {}}
	const clients, each = 50, 40
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	sent := make([]int, clients)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 1))
			for i := range each {
				tag, k := (c*each+i)*4, 1+r.IntN(3)
				b.decoding.Add(1)
				runtime.Gosched() // "decoding"
				b.decoding.Add(-1)
				err := submitTagged(context.Background(), b, versions[r.IntN(2)], tag, k)
				if err != nil {
					errs <- err
					return
				}
				sent[c] += k
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := 0
	for _, n := range sent {
		want += n
	}
	if total != want || b.running != 0 || len(b.queue) != 0 || b.gather != nil {
		t.Fatalf("%d samples in passes, %d sent; %d lanes taken, %d queued", total, want, b.running, len(b.queue))
	}
}
