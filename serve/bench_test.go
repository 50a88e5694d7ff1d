//go:build unix

package serve

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seqnet/seqnet/internal/loadgen"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
)

// w2Model is the W2 benchmark's text CNN with its text pipeline, saved to
// a model file (loadgen.W2Model), and 512 texts of 256 words from it.
func w2Model(b *testing.B) (path string, texts []string) {
	path, texts, err := loadgen.W2Model(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return path, texts
}

// report adds latency percentiles, throughput and CPU time per sample
// (the process's, clients included: on a shared machine the fairer
// measure of throughput) to a benchmark's output.
func report(b *testing.B, lat []time.Duration, samples int, elapsed, cpu time.Duration, errors int64) {
	b.ReportMetric(float64(cpu.Microseconds())/float64(samples), "cpu-µs/sample")
	slices.Sort(lat)
	r := loadgen.Result{Latency: lat}
	q := func(f float64) float64 { return float64(r.Quantile(f).Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(samples)/elapsed.Seconds(), "samples/s")
	b.ReportMetric(float64(errors), "errors")
}

// BenchmarkW2 is the serving load benchmark: model.Predict at batch 1 and
// 256 on the W2 text model (and at batch 1 on varied texts, see
// benchPredicts), then `seqnet serve` (TF Serving :predict, one
// text per request, over loopback HTTP) with 1 and 32 concurrent clients,
// with and without batching, and the same clients against a handler that
// only reads the body and answers a fixed prediction (http-only: the part
// of serve's cost that is HTTP and the in-process clients), and against
// loadgen.Floor (floor: the loopback connections, a goroutine each and the
// clients, without net/http). Each
// sub-benchmark reports p50/p99 latency, samples/s, errors and CPU time
// per sample.
//
// The clients are lean keep-alive HTTP/1.1 clients (internal/loadgen, as a
// wrk-like load generator), or with /net-http Go's net/http client, whose
// own CPU time and goroutine hand-offs in the same process weigh on the
// server's figures on a small machine. Run on a quiet machine:
//
//	go test ./serve -run '^$' -bench W2 -benchtime 3s
//
// The serve cases label their goroutines for CPU profiles: case (the
// benchmark's name) and side, server (the test server's accept loop and
// connections: net/http, the handler, the forward passes) or client.
// Unlabelled samples are the setup (building and loading the model) and
// the runtime's own (background GC). One case's split (the pattern also
// runs the /no-batching and /net-http variants, which case tells apart):
//
//	go test ./serve -c -o serve.test
//	./serve.test -test.run '^$' -test.bench 'W2/serve/clients=32$' -test.benchtime 40000x -test.cpuprofile cpu.prof
//	go tool pprof -tags -tagfocus 'case=clients=32$' serve.test cpu.prof
//	go tool pprof -top -tagfocus 'case=clients=32$' -tagignore side=client -focus PredictMulti serve.test cpu.prof
//
// The second pprof gives the server's forward passes (a second -tagfocus
// would replace the first; -tagignore narrows it).
func BenchmarkW2(b *testing.B) {
	path, texts := w2Model(b)
	m, p, err := pipeline.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	// The folded table is made before the timing, as serve.New makes the
	// served model's (and seqnet bench --serve the references'): otherwise
	// the first batch-1 passes run the layers until they have looked up as
	// many tokens as the table has rows.
	m.Prepare()
	for _, c := range benchPredicts {
		name := fmt.Sprintf("predict/batch=%d", c.batch)
		if c.varied {
			name += "/varied"
		}
		b.Run(name, func(b *testing.B) {
			benchPredict(b, m, p, texts, c.batch, c.varied)
		})
	}
	for _, c := range serveCases {
		b.Run(c.name(), func(b *testing.B) {
			benchServe(b, path, texts, c)
		})
	}
}

// serveCase is one serve sub-benchmark of BenchmarkW2.
type serveCase struct {
	clients    int
	noBatching bool
	// httpOnly: the same clients and requests against a handler that
	// reads the body and sends a fixed answer: the cost of HTTP on
	// loopback and of the clients, which serve's figures include.
	httpOnly bool
	// floor: the same lean clients and requests against loadgen.Floor,
	// which finds where each request ends and writes a fixed answer: the
	// least a loopback request costs in Go, net/http's share excluded.
	floor   bool
	netHTTP bool // Go's net/http client instead of loadgen's
}

func (c serveCase) name() string {
	name := fmt.Sprintf("serve/clients=%d", c.clients)
	if c.httpOnly {
		name = fmt.Sprintf("http-only/clients=%d", c.clients)
	}
	if c.floor {
		name = fmt.Sprintf("floor/clients=%d", c.clients)
	}
	if c.noBatching {
		name += "/no-batching"
	}
	if c.netHTTP {
		name += "/net-http"
	}
	return name
}

var serveCases = func() []serveCase {
	var cs []serveCase
	for _, clients := range []int{1, 32} {
		for _, netHTTP := range []bool{false, true} {
			cs = append(cs, serveCase{clients: clients, netHTTP: netHTTP},
				serveCase{clients: clients, noBatching: true, netHTTP: netHTTP},
				serveCase{clients: clients, httpOnly: true, netHTTP: netHTTP})
		}
		cs = append(cs, serveCase{clients: clients, floor: true})
	}
	return cs
}()

// benchPredict times model.Predict at batch size bs on the first texts,
// or at batch 1 on each text in turn (varied).
func benchPredict(b *testing.B, m *model.Model, p *pipeline.Pipeline, texts []string, bs int, varied bool) {
	n := bs
	if varied {
		bs, n = 1, len(texts)
	}
	batch, err := p.Texts(texts[:n])
	if err != nil {
		b.Fatal(err)
	}
	m.Predict(batch.X.Rows(0, bs), bs) // warm up
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start, cpu := time.Now(), loadgen.StartCPU()
	for i := 0; i < b.N; i++ {
		x := batch.X
		if varied {
			x = batch.X.Rows(i%n, i%n+1)
		}
		t := time.Now()
		if _, err := m.Predict(x, bs); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	report(b, lat, b.N*bs, time.Since(start), cpu(), 0)
}

// benchServe times c.clients concurrent loopback clients sending one text
// per :predict request to serve (or to an HTTP-only handler).
func benchServe(b *testing.B, path string, texts []string, c serveCase) {
	s, err := New([]ModelFile{{"w2", path}}, Options{NoBatching: c.noBatching, ReloadInterval: -1, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	if c.httpOnly {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(loadgen.FixedPredictions(1) + "\n"))
		})
	}
	// The server's goroutines (its accept loop, then one per connection)
	// inherit the label, the clients' have their own (runClients): a CPU
	// profile splits the time between them (see BenchmarkW2).
	var addr string
	var stop func()
	pprof.Do(context.Background(), pprof.Labels("side", "server", "case", b.Name()), func(context.Context) {
		if !c.floor {
			ts := httptest.NewServer(h)
			addr, stop = ts.Listener.Addr().String(), ts.Close
			return
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go loadgen.Floor(l, loadgen.Answer(loadgen.FixedPredictions(1)))
		addr, stop = l.Addr().String(), func() { l.Close() }
	})
	defer func() { stop(); s.Close() }()
	bodies := make([]string, len(texts))
	for i, t := range texts {
		bodies[i] = `{"instances": ["` + t + `"]}`
	}
	send, closeAll := netHTTPSender("http://"+addr, bodies, c.clients)
	if !c.netHTTP {
		send, closeAll = leanSender(b, addr, bodies, c.clients)
	}
	defer closeAll()
	for k := 0; k < c.clients; k++ { // open the connections
		send(k, k)
	}
	runClients(b, c.clients, send)
	if !c.httpOnly && !c.floor && !c.noBatching {
		b.ReportMetric(meanBatch(b, s), "samples/pass")
	}
}

// meanBatch is the mean batch size of s's forward passes so far (the
// seqnet_batch_size histogram; the connections' first requests included).
func meanBatch(b *testing.B, s *Server) float64 {
	fams, err := s.metrics.reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "seqnet_batch_size" && len(f.GetMetric()) == 1 {
			h := f.GetMetric()[0].GetHistogram()
			return h.GetSampleSum() / float64(h.GetSampleCount())
		}
	}
	b.Fatal("no seqnet_batch_size histogram")
	return 0
}

// netHTTPSender sends body i with Go's net/http client.
func netHTTPSender(url string, bodies []string, clients int) (send func(k, i int) error, closeAll func()) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	return func(_, i int) error {
		resp, err := client.Post(url+"/v1/models/w2:predict", "application/json", strings.NewReader(bodies[i%len(bodies)]))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		return loadgen.CheckPredictions(resp.StatusCode, body, 1)
	}, tr.CloseIdleConnections
}

// leanSender sends body i with client k's loadgen.Client.
func leanSender(b *testing.B, addr string, bodies []string, clients int) (send func(k, i int) error, closeAll func()) {
	reqs := make([][]byte, len(bodies))
	for i, body := range bodies {
		reqs[i] = loadgen.Request(addr, "/v1/models/w2:predict", body)
	}
	cs := make([]*loadgen.Client, clients)
	for k := range cs {
		c, err := loadgen.Dial(addr)
		if err != nil {
			b.Fatal(err)
		}
		cs[k] = c
	}
	send = func(k, i int) error {
		code, body, err := cs[k].Do(reqs[i%len(reqs)])
		if err != nil {
			// The connection is in an unknown state: the next request
			// takes a new one.
			cs[k].Close()
			if c, derr := loadgen.Dial(addr); derr == nil {
				cs[k] = c
			}
			return err
		}
		return loadgen.CheckPredictions(code, body, 1)
	}
	return send, func() {
		for _, c := range cs {
			c.Close()
		}
	}
}

// runClients times b.N requests sent by clients concurrent clients:
// send(k, i) sends request i from client k.
func runClients(b *testing.B, clients int, send func(k, i int) error) {
	var next, errs atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start, cpu := time.Now(), loadgen.StartCPU()
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("side", "client", "case", b.Name()), func(context.Context) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t := time.Now()
				if err := send(k, i); err != nil {
					errs.Add(1)
				}
				lat[k] = append(lat[k], time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed, used := time.Since(start), cpu()
	b.StopTimer()
	report(b, slices.Concat(lat...), b.N, elapsed, used, errs.Load())
}

// BenchmarkHandler answers one W2 text of 256 words per :predict request in
// process, without a connection and without the forward pass (see
// handlerCall): serve's own cost of a request, tokenizing included. The
// text is the same every time, so the tokenizer's table and the answer's
// path stay in cache: in a server they are colder.
func BenchmarkHandler(b *testing.B) {
	path, texts := w2Model(b)
	s, err := New([]ModelFile{{"w2", path}}, Options{ReloadInterval: -1, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	call := handlerCall(b, s, "w2", []byte(`{"instances": ["`+texts[0]+`"]}`))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := loadgen.StartCPU()
	for i := 0; i < b.N; i++ {
		call()
	}
	b.ReportMetric(float64(cpu().Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// benchPredicts are the model.Predict cases of BenchmarkW2: batch 1 and
// 256 on the first texts, the same every iteration (the targets'
// references), and batch 1 on each of the 512 texts in turn, as serve's
// clients send them: its embedding rows and its share of the weights are
// not all in cache, as they are when one text is predicted again and again.
var benchPredicts = []struct {
	batch  int
	varied bool
}{{1, false}, {256, false}, {1, true}}
