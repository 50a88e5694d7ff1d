package serve

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/seqnet/seqnet/tensor"
)

// discardWriter is an http.ResponseWriter that keeps only the status and
// the answer's size: the handler's own cost, without a connection's.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// rereader is a request body that can be read again.
type rereader struct{ bytes.Reader }

func (*rereader) Close() error { return nil }

// handlerCall answers a one-sample TF Serving :predict body for model name
// with s's handler in process, the batcher's pass replaced by the model's
// outputs for the body's sample, computed once: what serve does for a
// request besides HTTP on a connection and the forward pass. It returns a
// function that answers the body once more.
func handlerCall(tb testing.TB, s *Server, name string, body []byte) func() {
	e := s.models[name]
	var y *tensor.Tensor
	e.batch.pass = func(lm *loaded, x *tensor.Tensor) (*tensor.Tensor, error) {
		if x.Shape[0] != 1 {
			tb.Fatalf("stub pass: %d samples, want 1", x.Shape[0])
		}
		if y == nil {
			var err error
			if y, err = predict(lm.m, x); err != nil {
				return nil, err
			}
		}
		return y, nil
	}
	r, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "/v1/models/"+name+":predict", nil)
	if err != nil {
		tb.Fatal(err)
	}
	var rb rereader
	r.Body = &rb
	r.ContentLength = int64(len(body))
	w := &discardWriter{h: http.Header{}}
	h := s.Handler()
	return func() {
		rb.Reset(body)
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, r)
		if w.status != 200 {
			tb.Fatalf("status %d", w.status)
		}
	}
}

// TestTextRequestAllocs bounds the allocations of serve's own work for a
// one-text :predict request (handlerCall: no connection, no forward pass;
// net/http's header map included). Each remaining one is listed here; a
// change that adds one must say why.
func TestTextRequestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own (and sync.Pool drops buffers at random)")
	}
	s, err := New([]ModelFile{{"spam", spamModel}}, Options{ReloadInterval: -1, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	call := handlerCall(t, s, "spam", []byte(`{"instances": ["free money now, click here"]}`))
	call()
	got := testing.AllocsPerRun(200, call)
	// serve: the texts and the text (a copy: the body's buffer is
	// reused), the request, the answer, the order of the probabilities'
	// names; the pipeline: its Batch, report and row names, the mask and
	// the input tensor (3), Decode's predictions and probabilities;
	// net/http: the Content-Type header's value. (The token ids are
	// EncodeBatch's pooled scratch.)
	const want = 15
	if got > want {
		t.Errorf("%v allocations a request, want at most %d", got, want)
	}
}
