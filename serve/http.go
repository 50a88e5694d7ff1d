package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

const (
	protoTF = "tfserving"
	protoV2 = "v2"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/models/", s.tfServing)
	mux.HandleFunc("/v2/", s.v2)
	mux.HandleFunc("/v2", s.v2)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint %s %s: the server answers /v1/models/NAME[:predict] (TensorFlow Serving), /v2/... (KServe v2) and /metrics", r.Method, r.URL.Path))
	})
	return mux
}

// direct routes a TF Serving path that mux would give to tfServing as it
// is there directly: the mux's routing costs a request 3 allocations and
// ~1 µs. Anything else (a path the mux would clean and redirect, an
// escaped path, CONNECT) takes the mux.
func (s *Server) direct(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/v1/models/") && r.URL.RawPath == "" && r.Method != http.MethodConnect && cleanPath(p) {
			r.Pattern = "/v1/models/"
			s.tfServing(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// cleanPath says whether the mux's path cleaning leaves p (which starts
// with '/') as it is: no "//", and no "." or ".." element (path.Clean).
func cleanPath(p string) bool {
	return !strings.Contains(p, "//") && !strings.Contains(p, "/./") && !strings.Contains(p, "/../") &&
		!strings.HasSuffix(p, "/.") && !strings.HasSuffix(p, "/..")
}

// call is one request being answered: what the metrics and logs need.
type call struct {
	s        *Server
	w        http.ResponseWriter
	r        *http.Request
	protocol string
	model    string
	e        *entry // the model's entry, once found
	start    time.Time
	status   int
}

func (s *Server) newCall(w http.ResponseWriter, r *http.Request, protocol string) *call {
	return &call{s: s, w: w, r: r, protocol: protocol, start: time.Now()}
}

// reply writes v as JSON with status code.
func (c *call) reply(code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = 500, []byte(`{"error": "the answer could not be encoded as JSON"}`)
		c.s.log.Error("encoding an answer", "error", err)
	}
	c.replyJSON(code, append(b, '\n'))
}

// replyJSON writes an encoded JSON answer (ending in a newline).
func (c *call) replyJSON(code int, b []byte) {
	c.status = code
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(code)
	c.w.Write(b)
}

// fail answers an error as {"error": "..."} with its status.
func (c *call) fail(code int, err error) {
	kind := "bad_request"
	switch {
	case code == 404:
		kind = "not_found"
	case code == 413:
		kind = "too_large"
	case code == 503:
		kind = "busy"
	case code >= 500:
		kind = "internal"
	}
	c.s.metrics.errors.WithLabelValues(c.model, c.protocol, kind).Inc()
	lvl := c.s.log.Debug
	if code >= 500 {
		lvl = c.s.log.Error
	}
	lvl("request failed", "method", c.r.Method, "path", c.r.URL.Path, "code", code, "error", err.Error())
	c.reply(code, map[string]string{"error": err.Error()})
}

// done records the request's metrics.
func (c *call) done() {
	if c.status == 0 {
		return
	}
	code := "200"
	if c.status != 200 {
		code = strconv.Itoa(c.status)
	}
	seconds := time.Since(c.start).Seconds()
	if c.e != nil && c.status == 200 {
		o := c.s.metrics.ok(c.e, c.protocol)
		o.requests.Inc()
		o.latency.Observe(seconds)
	} else {
		c.s.metrics.requests.WithLabelValues(c.model, c.protocol, code).Inc()
		c.s.metrics.latency.WithLabelValues(c.model, c.protocol).Observe(seconds)
	}
	// Checked first: the arguments would be boxed (allocated) even when
	// debug logs are off, on every request.
	if c.s.log.Enabled(c.r.Context(), slog.LevelDebug) {
		c.s.log.Debug("request", "method", c.r.Method, "path", c.r.URL.Path, "model", c.model, "code", c.status, "seconds", seconds)
	}
}

func writeError(w http.ResponseWriter, code int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// lookup finds a model and checks the version asked for ("" = current).
func (s *Server) lookup(name, version string) (*entry, *loaded, int, error) {
	e := s.models[name]
	if e == nil {
		return nil, nil, 404, fmt.Errorf("model %q not found: this server serves %s", name, strings.Join(quoteAll(s.names), ", "))
	}
	lm := e.cur.Load()
	if version != "" && version != strconv.FormatInt(lm.version, 10) {
		return nil, nil, 404, fmt.Errorf("model %q version %s not found: version %d is serving (versions count the loads of the file, from 1)", name, version, lm.version)
	}
	return e, lm, 0, nil
}

// modelRoute reads the NAME[/versions/V][/SUB] part of a model endpoint's
// path, shared by the TF Serving and v2 APIs, and looks the model up. When
// there is no such model or version it has answered c and returns ok false.
func (s *Server) modelRoute(c *call, rest string) (name, sub string, e *entry, lm *loaded, ok bool) {
	name, sub, _ = strings.Cut(rest, "/")
	version := ""
	if v, found := strings.CutPrefix(sub, "versions/"); found {
		version, sub, _ = strings.Cut(v, "/")
	}
	c.model = name
	e, lm, code, err := s.lookup(name, version)
	if err != nil {
		c.model = ""
		c.fail(code, err)
		return "", "", nil, nil, false
	}
	c.e = e
	return name, sub, e, lm, true
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

// body reads the request body within the size limit into *buf (a pooled
// buffer, sized from Content-Length when it is given).
func (c *call) body(buf *[]byte) ([]byte, error) {
	limit := c.s.o.MaxBodyBytes
	r := http.MaxBytesReader(c.w, c.r.Body, limit)
	b := (*buf)[:0]
	if n := c.r.ContentLength; n > 0 && n < limit && int64(cap(b)) <= n {
		b = make([]byte, 0, n+1) // +1: the read that sees EOF needs room
	}
	var err error
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		var n int
		n, err = r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			break
		}
	}
	*buf = b
	if err == io.EOF {
		return b, nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &badRequest{msg: fmt.Sprintf("the request body is larger than %s, the server's limit%s: send fewer instances per request", count(limit, "byte", "bytes"), c.s.o.limitName("MaxBodyBytes")), tooLarge: true}
	}
	return nil, bad("reading the request body: %v", err)
}

// acquire takes one of the concurrent-request slots, or answers 503.
func (c *call) acquire() bool {
	select {
	case c.s.slots <- struct{}{}:
		c.s.metrics.inflight.Inc()
		return true
	default:
		c.w.Header().Set("Retry-After", "1")
		c.fail(503, fmt.Errorf("the server is answering its limit of %s at once%s: retry shortly", count(int64(cap(c.s.slots)), "request", "requests"), c.s.o.limitName("MaxConcurrent")))
		return false
	}
}

func (c *call) release() {
	<-c.s.slots
	c.s.metrics.inflight.Dec()
}

// answer is a request's predictions, decoded by the pipeline.
type answer struct {
	lm      *loaded
	rowName string
	preds   []pipeline.Prediction
}

// predict decodes a body with decode and runs the model: the part both
// protocols share.
func (c *call) predict(e *entry, lm *loaded, decode func(*reader, []byte) (*request, error)) (*request, *answer, error) {
	queued := false
	if e.batch != nil {
		e.batch.decoding.Add(1)
		defer func() {
			if !queued {
				e.batch.decoding.Add(-1)
			}
		}()
	}
	buf := getBuffer()
	body, err := c.body(buf)
	if err != nil {
		putBuffer(buf)
		return nil, nil, err
	}
	req, err := decode(&lm.r, body) // the decoders copy what they keep
	putBuffer(buf)
	if err != nil {
		return nil, nil, err
	}
	x, rowName, rows, err := inputs(lm, req)
	if err != nil {
		return nil, nil, err
	}
	var y *tensor.Tensor
	if e.batch != nil {
		queued = true
		e.batch.decoding.Add(-1)
		y, err = e.batch.submit(c.r.Context(), lm, x)
	} else {
		y, err = predict(lm.m, x)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, nil, err
		}
		return nil, nil, asBadInput(err)
	}
	preds, err := lm.p.Decode(y, rows)
	if err != nil {
		return nil, nil, err
	}
	return req, &answer{lm: lm, rowName: rowName, preds: preds}, nil
}

// asBadInput makes a model error on the request's tensor (e.g. a token
// index outside the vocabulary) a 400.
func asBadInput(err error) error {
	return &badRequest{msg: "the model could not read the input: " + err.Error()}
}

// inputs turns a decoded request into the model's input tensor and the
// names of its rows.
func inputs(lm *loaded, req *request) (x *tensor.Tensor, rowName string, rows []string, err error) {
	p := lm.p
	var b *pipeline.Batch
	switch {
	case req.x != nil:
		x, rowName = req.x, "index"
		for i := 0; i < x.Shape[0]; i++ {
			rows = append(rows, strconv.Itoa(i))
		}
		return x, rowName, rows, nil
	case req.texts != nil:
		b, err = p.Texts(req.texts)
	case req.records != nil:
		b, err = p.Records(req.records)
	case req.windows != nil:
		return windows(p, req.windows)
	default:
		return nil, "", nil, bad("the request holds no inputs")
	}
	if err != nil {
		return nil, "", nil, err
	}
	if len(b.Rows) != req.n {
		return nil, "", nil, bad("%d instances sent but %d read (rows with missing values dropped by the model's fill policy?)", req.n, len(b.Rows))
	}
	return b.X, b.RowName, b.Rows, nil
}

// windows reads each window of rows and keeps its last window: the
// forecast from the latest rows.
func windows(p *pipeline.Pipeline, ws [][]map[string]string) (*tensor.Tensor, string, []string, error) {
	var xs []*tensor.Tensor
	var rows []string
	rowName := "target_row"
	// Only the last window is answered: rows before it are not read (a
	// long request would otherwise make a window per row). With the drop
	// fill policy some rows may go, so twice the span is kept.
	o := p.Windowing
	keep := (o.Window-1)*max(o.SamplingRate, 1) + 1
	if p.Fill == "drop" {
		keep *= 2
	}
	for i, w := range ws {
		if len(w) > keep {
			w = w[len(w)-keep:]
		}
		b, err := p.Window(w)
		if err != nil {
			return nil, "", nil, bad("instance %d: %v", i, err)
		}
		last := b.X.Shape[0] - 1
		xs = append(xs, b.X.Rows(last, last+1))
		rows = append(rows, b.Rows[last])
		rowName = b.RowName
	}
	if len(xs) == 1 {
		return xs[0], rowName, rows, nil
	}
	shape := append([]int{len(xs)}, xs[0].Shape[1:]...)
	x := tensor.New(shape...)
	at := 0
	for _, t := range xs {
		at += copy(x.Data[at:], t.Data)
	}
	return x, rowName, rows, nil
}

// num is a float32 written as the shortest decimal that reads back the
// same, or null when it is not finite.
type num float32

func (v num) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 32), nil
}

func nums(v []float64) []num {
	out := make([]num, len(v))
	for i, f := range v {
		out[i] = num(f)
	}
	return out
}

// named maps names to values.
func named(names []string, v []float64) map[string]num {
	m := make(map[string]num, len(v))
	for i, f := range v {
		m[names[i]] = num(f)
	}
	return m
}

// outputNames names a regression answer's values.
func (a *answer) outputNames() []string {
	k := 0
	if len(a.preds) > 0 {
		k = len(a.preds[0].Values)
	}
	return a.lm.p.OutputNames(k)
}

// namedRows says whether rows have names worth sending (not just indices).
func (a *answer) namedRows() bool { return a.rowName != "index" && a.rowName != "" }
