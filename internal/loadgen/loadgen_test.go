package loadgen

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRun: answers are read and checked; a refused answer (status 500), an
// answer without Content-Length (a chunked one) and a malformed body count
// as errors, and the clients go on.
func TestRun(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch string(body) {
		case `"fail"`:
			w.WriteHeader(500)
			w.Write([]byte(`{"error": "no"}`))
		case `"chunked"`:
			w.Write([]byte(`{"predictions": [`))
			w.(http.Flusher).Flush() // no Content-Length now
			w.Write([]byte(`{"label": "a"}]}`))
		case `"junk"`:
			w.Write([]byte(`{"predictions": [`))
		default:
			w.Write([]byte(`{"predictions": [{"label": "a"}]}`))
		}
	}))
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")
	check := func(code int, body []byte) error { return CheckPredictions(code, body, 1) }
	for _, c := range []struct {
		body   string
		errors bool
	}{{`"ok"`, false}, {`"fail"`, true}, {`"chunked"`, true}, {`"junk"`, true}} {
		res, err := Run(addr, [][]byte{Request(addr, "/", c.body)}, 3, 50*time.Millisecond, check)
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests == 0 || len(res.Latency) != res.Requests || res.Quantile(0.5) <= 0 {
			t.Fatalf("%s: %d requests, %d latencies, p50 %v", c.body, res.Requests, len(res.Latency), res.Quantile(0.5))
		}
		if c.errors != (res.Errors == res.Requests) || c.errors != (res.First != nil) || (!c.errors && res.Errors != 0) {
			t.Fatalf("%s: %d errors in %d requests (first: %v)", c.body, res.Errors, res.Requests, res.First)
		}
	}
	if _, err := Run(addr, nil, 1, time.Millisecond, check); err == nil {
		t.Fatal("Run with no requests: no error")
	}
}
