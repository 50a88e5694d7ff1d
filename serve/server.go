// Package serve answers predictions of seqnet models over HTTP, in the two
// REST protocols existing clients speak: TensorFlow Serving's
// (POST /v1/models/NAME:predict with "instances" or "inputs") and KServe's
// Open Inference Protocol v2 (POST /v2/models/NAME/infer), which Triton,
// KServe and ONNX Runtime servers also speak.
//
// Requests carry raw inputs that the model's stored pipeline reads (texts,
// table rows with column names, a window of time-series rows) or plain
// input tensors; answers carry label names, probabilities and values in
// the data's units (package pipeline). Concurrent requests are batched
// into one forward pass (a short window, Options.BatchWindow); model files
// that change on disk are reloaded and swapped atomically (a bad new file
// keeps the old model serving); /metrics serves Prometheus metrics.
//
// `seqnet serve` is the command-line front.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
)

// ModelFile names a model file to serve.
type ModelFile struct {
	Name string // the name in URLs: /v1/models/NAME
	Path string // a model file written by seqnet train (pipeline.Load)
}

// Options are the server's limits and behaviour; the zero value of a
// field takes the default given beside it.
type Options struct {
	MaxBodyBytes  int64         // request body limit (default 8 MiB); larger: 413
	MaxInstances  int           // samples per request (default 1024); more: 413
	MaxConcurrent int           // inference requests at once (default 256); more: 503
	BatchWindow   time.Duration // how long a batch waits for more requests (default 2ms)
	MaxBatch      int           // samples per forward pass (default 256)
	NoBatching    bool          // every request runs its own forward pass
	// ReloadInterval is how often model files are checked for changes
	// (default 2s; negative: never).
	ReloadInterval time.Duration
	// ReadTimeout, WriteTimeout bound a connection's request and answer
	// (defaults 30s, 60s); ShutdownTimeout bounds how long Serve waits for
	// in-flight requests on shutdown (default 30s).
	ReadTimeout, WriteTimeout, ShutdownTimeout time.Duration
	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
	// LimitNames names the settings behind MaxBodyBytes, MaxInstances and
	// MaxConcurrent (the keys) in the errors a client receives when it
	// passes one, for a program that sets them from its own flags or
	// configuration: seqnet serve gives "--max-body", "--max-instances"
	// and "--max-concurrent", so a client can tell the operator what to
	// raise. Unnamed, the errors state the limit only.
	LimitNames map[string]string
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 8 << 20
	}
	def(&o.MaxInstances, 1024)
	def(&o.MaxConcurrent, 256)
	def(&o.MaxBatch, 256)
	dur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	dur(&o.BatchWindow, 2*time.Millisecond)
	dur(&o.ReloadInterval, 2*time.Second)
	dur(&o.ReadTimeout, 30*time.Second)
	dur(&o.WriteTimeout, 60*time.Second)
	dur(&o.ShutdownTimeout, 30*time.Second)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Server serves models over HTTP. Create it with New, serve Handler (or
// call Serve), and Close it to stop its reloading.
type Server struct {
	o       Options
	log     *slog.Logger
	models  map[string]*entry
	names   []string
	metrics *metrics
	slots   chan struct{}
	handler http.Handler

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// entry is one served name: the loaded model, swapped atomically on reload.
type entry struct {
	name, path string
	cur        atomic.Pointer[loaded]
	batch      *batcher
	ok         [2]atomic.Pointer[okMetrics] // TF Serving's, v2's (metrics.ok)
	mu         sync.Mutex                   // serializes reloads
	// failed is the file state whose load failed (not retried until the
	// file changes again).
	failed fileState
}

// loaded is one version of a model: the model, its pipeline, and what the
// request decoders need.
type loaded struct {
	version int64
	m       *model.Model
	p       *pipeline.Pipeline
	r       reader
	file    fileState
}

type fileState struct {
	mod  time.Time
	size int64
}

func stat(path string) (fileState, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileState{}, err
	}
	return fileState{st.ModTime(), st.Size()}, nil
}

// New loads the models; an error names the file that could not be served.
func New(files []ModelFile, o Options) (*Server, error) {
	o.defaults()
	if len(files) == 0 {
		return nil, errors.New("serve: no model given: serve at least one model file")
	}
	if err := checkLimitNames(o.LimitNames); err != nil {
		return nil, err
	}
	s := &Server{o: o, log: o.Logger, models: map[string]*entry{}, metrics: newMetrics(),
		slots: make(chan struct{}, o.MaxConcurrent), stop: make(chan struct{})}
	for _, f := range files {
		if f.Name == "" || !validName(f.Name) {
			return nil, fmt.Errorf("serve: model name %q: use letters, digits, '-', '_' and '.' (it appears in URLs)", f.Name)
		}
		if _, dup := s.models[f.Name]; dup {
			return nil, fmt.Errorf("serve: two models are named %q: name them with NAME=PATH", f.Name)
		}
		e := &entry{name: f.Name, path: f.Path}
		lm, err := s.load(e, 1)
		if err != nil {
			return nil, err
		}
		e.cur.Store(lm)
		if !o.NoBatching {
			sizes := s.metrics.batchSize.WithLabelValues(e.name)
			e.batch = newBatcher(o.BatchWindow, o.MaxBatch, func(n int) { sizes.Observe(float64(n)) })
		}
		s.models[f.Name] = e
		s.names = append(s.names, f.Name)
	}
	sort.Strings(s.names)
	s.handler = s.direct(s.routes())
	if o.ReloadInterval > 0 {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.watch() }()
	}
	return s, nil
}

func validName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// load reads e's file as version v.
func (s *Server) load(e *entry, v int64) (*loaded, error) {
	start := time.Now()
	fs, err := stat(e.path)
	if err != nil {
		s.metrics.loads.WithLabelValues(e.name, "error").Inc()
		return nil, fmt.Errorf("serve: model %s: %v", e.name, err)
	}
	m, p, err := pipeline.Load(e.path)
	if err != nil {
		s.metrics.loads.WithLabelValues(e.name, "error").Inc()
		return nil, fmt.Errorf("serve: model %s: %w", e.name, err)
	}
	lm := &loaded{version: v, m: m, p: p, file: fs, r: reader{p: p, maxInstances: s.o.MaxInstances, instancesName: s.o.limitName("MaxInstances")}}
	if in := m.InputShapes(); len(in) == 1 {
		lm.r.in = in[0]
	} else {
		return nil, fmt.Errorf("serve: model %s has %d inputs: only single-input models are served", e.name, len(in))
	}
	if out := m.OutputShapes(); len(out) != 1 {
		return nil, fmt.Errorf("serve: model %s has %d outputs: only single-output models are served", e.name, len(out))
	}
	// Make what predictions reuse (an Embedding folded into a Conv1D:
	// W2's table takes 0.27 s) before the model serves, not during the
	// first requests.
	m.Prepare()
	d := time.Since(start)
	s.metrics.loads.WithLabelValues(e.name, "ok").Inc()
	s.metrics.loadSeconds.WithLabelValues(e.name).Set(d.Seconds())
	s.log.Info("model loaded", "model", e.name, "path", e.path, "version", v, "kind", p.Kind, "task", p.Task, "seconds", d.Seconds())
	return lm, nil
}

// watch reloads model files that change on disk.
func (s *Server) watch() {
	t := time.NewTicker(s.o.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for _, name := range s.names {
				s.Reload(name)
			}
		}
	}
}

// Reload reloads the named model if its file changed since it was loaded
// and reports whether a new version now serves. A file that fails to load
// keeps the old version serving; the failure is logged once per change of
// the file.
func (s *Server) Reload(name string) bool {
	e := s.models[name]
	if e == nil {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.cur.Load()
	fs, err := stat(e.path)
	if err != nil {
		if e.failed != (fileState{}) {
			return false
		}
		e.failed = fileState{mod: time.Unix(0, 1)}
		s.log.Error("model file unreadable: the loaded version keeps serving", "model", name, "path", e.path, "version", cur.version, "error", err)
		return false
	}
	if fs == cur.file || fs == e.failed {
		return false
	}
	lm, err := s.load(e, cur.version+1)
	if err != nil {
		e.failed = fs
		s.log.Error("model reload failed: the loaded version keeps serving", "model", name, "path", e.path, "version", cur.version, "error", err)
		return false
	}
	e.failed = fileState{}
	e.cur.Store(lm)
	s.log.Info("model reloaded", "model", name, "version", lm.version)
	return true
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops reloading model files. Call it after the HTTP server has
// shut down. (Batches run on the requests' own goroutines: there is
// nothing else to stop.)
func (s *Server) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
}

// Serve answers on ln until ctx is done, then stops taking connections and
// waits for the requests in flight (up to ShutdownTimeout) before
// returning. It does not Close s.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.handler, ReadTimeout: s.o.ReadTimeout, WriteTimeout: s.o.WriteTimeout,
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "models", s.names, "batching", !s.o.NoBatching)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing requests in flight", "timeout", s.o.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.o.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if e := <-done; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}
