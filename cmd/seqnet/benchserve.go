package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seqnet/seqnet/internal/loadgen"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/serve"
)

// serveBench is `seqnet bench --serve`: issue 14's load benchmark as a
// command (the serve package's BenchmarkW2 is the same, as a Go
// benchmark). It times model.Predict on the W2 text model at batch 1 (on
// one text repeated, and on the clients' texts in turn) and 256, then `seqnet serve` on loopback with
// each number of concurrent clients (lean keep-alive clients, instances
// texts per TF Serving :predict request: the targets are for one),
// each case for d, and prints throughput, p50/p99 latency and errors, and
// the ratios the targets name.
func serveBench(stdout, stderr io.Writer, clients []int, d time.Duration, noBatching bool, instances int) int {
	dir, err := os.MkdirTemp("", "seqnet-bench-serve-")
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench --serve: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	path, texts, err := loadgen.W2Model(dir)
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench --serve: building the W2 model: %v\n", err)
		return 1
	}
	m, p, err := pipeline.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench --serve: %v\n", err)
		return 1
	}
	// The folded embedding table is made before any timing, as serve.New
	// makes the served model's: otherwise Predict at batch 1 would make it
	// inside its timed calls (0.27 s, once its calls have looked up as
	// many tokens as the table has rows).
	m.Prepare()
	fmt.Fprintf(stdout, "# W2 text model (Embedding(20000,128), Conv1D(128,5), 256 tokens), each case for %v, %d text(s) a request\n", d, instances)
	fmt.Fprintf(stdout, "%-30s %12s %10s %10s %8s %14s\n", "case", "samples/s", "p50-ms", "p99-ms", "errors", "cpu-µs/sample")
	row := func(name string, r loadgen.Result, samples int) {
		ms := func(t time.Duration) float64 { return float64(t.Microseconds()) / 1000 }
		cpu := "-" // not told by this system
		if r.CPU > 0 {
			cpu = fmt.Sprintf("%.1f", float64(r.CPU.Nanoseconds())/1000/float64(samples))
		}
		fmt.Fprintf(stdout, "%-30s %12.0f %10.3f %10.3f %8d %14s\n", name, float64(samples)/r.Elapsed.Seconds(), ms(r.Quantile(0.5)), ms(r.Quantile(0.99)), r.Errors, cpu)
	}
	b1, err := timePredict(m, p, texts, 1, false, d)
	if err == nil {
		row("predict batch=1", b1, b1.Requests)
	}
	var b1v, b256 loadgen.Result
	if err == nil {
		b1v, err = timePredict(m, p, texts, 1, true, d)
		row("predict batch=1 varied", b1v, b1v.Requests)
	}
	if err == nil {
		b256, err = timePredict(m, p, texts, 256, false, d)
		row("predict batch=256", b256, 256*b256.Requests)
	}
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench --serve: %v\n", err)
		return 1
	}
	runs, err := timeServe(path, texts, clients, d, noBatching, instances)
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench --serve: %v\n", err)
		return 1
	}
	floors, err := timeFloor(texts, clients, d, instances)
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench --serve: %v\n", err)
		return 1
	}
	for i, r := range runs {
		row(fmt.Sprintf("serve clients=%d", clients[i]), r, r.Requests*instances)
		if r.First != nil {
			fmt.Fprintf(stdout, "  first error: %v\n", r.First)
		}
	}
	for i, r := range floors {
		row(fmt.Sprintf("loopback floor clients=%d", clients[i]), r, r.Requests*instances)
		if r.First != nil {
			fmt.Fprintf(stdout, "  first error: %v\n", r.First)
		}
	}
	for i, r := range runs {
		switch {
		case clients[i] == 1 && instances == 1: // the target's latency is one text's
			fmt.Fprintf(stdout, "serve clients=1 p99 / predict batch=1 p99: %.2f (target: at most 2)\n",
				r.Quantile(0.99).Seconds()/b1.Quantile(0.99).Seconds())
			fmt.Fprintf(stdout, "serve clients=1 p99 / predict batch=1 varied p99: %.2f (the same texts as the clients)\n",
				r.Quantile(0.99).Seconds()/b1v.Quantile(0.99).Seconds())
		case clients[i] == 32:
			rate256 := 256 * float64(b256.Requests) / b256.Elapsed.Seconds()
			target := "(target: at least 80%, with one text a request)"
			if instances > 1 {
				target = fmt.Sprintf("(%d texts a request; the target is for one)", instances)
			}
			fmt.Fprintf(stdout, "serve clients=32 samples/s / predict batch=256 samples/s: %.0f%% %s\n",
				100*(float64(r.Requests*instances)/r.Elapsed.Seconds())/rate256, target)
			if f := floors[i]; f.CPU > 0 && b256.CPU > 0 {
				// Clients and server share the cores: a sample costs at
				// least its share of the floor's CPU time per request
				// and a batch-256 sample's.
				floor, sample := f.CPUPerRequest()/float64(instances), b256.CPUPerRequest()/256
				bound := float64(runtime.GOMAXPROCS(0)) * 1e6 / (floor + sample)
				fmt.Fprintf(stdout, "at most %.0f%% of predict batch=256 at 32 clients on these %d cores: %.0f samples/s, if a sample cost only its share of the loopback floor (%.1f CPU µs, clients included) and a batch-256 sample (%.1f)\n",
					100*bound/rate256, runtime.GOMAXPROCS(0), bound, floor, sample)
			}
		}
	}
	return 0
}

// timeFloor runs each number of clients for d against loadgen.Floor, which
// answers every request with a fixed prediction and does nothing else:
// what the clients, the loopback connections and a goroutine per
// connection cost, the least any server in Go pays per request here.
func timeFloor(texts []string, clients []int, d time.Duration, instances int) ([]loadgen.Result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- loadgen.Floor(ln, loadgen.Answer(loadgen.FixedPredictions(instances))) }()
	out, err := runClients(ln.Addr().String(), texts, clients, d, instances)
	ln.Close() // Floor returns once the clients' connections are closed too
	return out, cmp.Or(err, <-done)
}

// timePredict times m.Predict at batch size bs on the first bs texts for
// about d (as BenchmarkW2's references do), or at batch 1 on each text in
// turn (varied), as serve's clients send them: one text repeated keeps its
// rows of the folded embedding table in cache, which a server's new texts
// do not.
func timePredict(m *model.Model, p *pipeline.Pipeline, texts []string, bs int, varied bool, d time.Duration) (loadgen.Result, error) {
	batch, err := p.Texts(texts)
	if err != nil {
		return loadgen.Result{}, err
	}
	var r loadgen.Result
	cpu := loadgen.StartCPU()
	start := time.Now()
	for i := 0; i == 0 || time.Since(start) < d; i++ {
		t := time.Now()
		x := batch.X.Rows(0, bs)
		if varied {
			x = batch.X.Rows(i%len(texts), i%len(texts)+1)
		}
		if _, err := m.Predict(x, bs); err != nil {
			return r, err
		}
		r.Latency = append(r.Latency, time.Since(t))
	}
	r.Elapsed, r.Requests, r.CPU = time.Since(start), len(r.Latency), cpu()
	slices.Sort(r.Latency)
	return r, nil
}

// timeServe serves the model file on a loopback port and runs each number
// of clients against it for d.
func timeServe(path string, texts []string, clients []int, d time.Duration, noBatching bool, instances int) ([]loadgen.Result, error) {
	s, err := serve.New([]serve.ModelFile{{Name: "w2", Path: path}}, serve.Options{NoBatching: noBatching, ReloadInterval: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: s.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	return runClients(ln.Addr().String(), texts, clients, d, instances)
}

// runClients runs each number of lean clients for d (after d/10 to warm
// up) against the server at addr, instances texts per TF Serving :predict
// request (the texts in turn), and checks that every answer holds as many
// predictions.
func runClients(addr string, texts []string, clients []int, d time.Duration, instances int) ([]loadgen.Result, error) {
	reqs := make([][]byte, len(texts))
	for i := range reqs {
		batch := make([]string, instances)
		for j := range batch {
			batch[j] = texts[(i*instances+j)%len(texts)]
		}
		body, _ := json.Marshal(map[string][]string{"instances": batch})
		reqs[i] = loadgen.Request(addr, "/v1/models/w2:predict", string(body))
	}
	check := func(code int, body []byte) error { return loadgen.CheckPredictions(code, body, instances) }
	var out []loadgen.Result
	for _, n := range clients {
		if _, err := loadgen.Run(addr, reqs, n, d/10, check); err != nil {
			return nil, err
		}
		r, err := loadgen.Run(addr, reqs, n, d, check)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// parseClients reads --clients: a comma-separated list of positive counts.
func parseClients(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 4096 {
			return nil, fmt.Errorf("--clients %q: expected a comma-separated list of client counts from 1 to 4096, such as 1,32", s)
		}
		out = append(out, n)
	}
	return out, nil
}
