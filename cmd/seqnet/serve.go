package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/seqnet/seqnet/serve"
)

func init() {
	commands["serve"] = command{runServe, "serve models over HTTP (TensorFlow Serving and KServe v2 REST APIs)"}
}

const serveUsage = `Usage: seqnet serve --model MODEL.seqnet [--model NAME=PATH ...] [--addr 127.0.0.1:8501]

Serves predictions over HTTP in two REST protocols: TensorFlow Serving's
(POST /v1/models/NAME:predict with {"instances": [...]} or {"inputs": ...})
and KServe's Open Inference Protocol v2 (POST /v2/models/NAME/infer), with
Prometheus metrics at /metrics. Instances are raw inputs the model's stored
preprocessing reads (texts; table rows {column: value}; for a forecaster a
window of rows, oldest first) or the model's input tensor; answers carry
labels and probabilities, or values in the data's units. A model file that
changes on disk is reloaded; if the new file cannot be loaded the old model
keeps serving. SIGTERM or Ctrl-C stops after the requests in flight.

  seqnet serve --model spam.seqnet
  curl -d '{"instances": ["WIN a FREE prize now"]}' localhost:8501/v1/models/spam:predict

Flags:
  --model [NAME=]PATH   a model written by seqnet train; NAME (default: the file
                        name without extension) is its name in URLs; repeatable
  --addr HOST:PORT      where to listen (default 127.0.0.1:8501)
  --max-body BYTES      largest request body (default 8388608); larger: 413
  --max-instances N     samples per request (default 1024); more: 413
  --max-concurrent N    inference requests answered at once (default 256); more: 503
  --batch-window D      how long concurrent requests wait to share a forward pass (default 2ms)
  --max-batch N         samples per forward pass (default 256)
  --no-batching         every request runs its own forward pass
  --reload-interval D   how often model files are checked for changes (default 2s; 0: never)
  --read-timeout D      time to read a request (default 30s)
  --write-timeout D     time to answer it (default 60s)
  --log-level L         debug (every request), info (default), warn or error
  --log-format F        text (default) or json

Exit status: 0 after a clean shutdown, 2 a problem with the flags or model files, 1 another failure.
`

// modelFlags collects repeated --model flags.
type modelFlags []serve.ModelFile

func (m *modelFlags) String() string { return "" }

func (m *modelFlags) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok {
		path = v
		name = strings.TrimSuffix(filepath.Base(v), filepath.Ext(v))
	}
	*m = append(*m, serve.ModelFile{Name: name, Path: path})
	return nil
}

// testServeReady, when set, receives the address the server listens on,
// and testServeStop stops it (tests).
var (
	testServeReady chan<- string
	testServeStop  <-chan struct{}
)

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var models modelFlags
	fs.Var(&models, "model", "")
	addr := fs.String("addr", "127.0.0.1:8501", "")
	var o serve.Options
	fs.Int64Var(&o.MaxBodyBytes, "max-body", 8<<20, "")
	fs.IntVar(&o.MaxInstances, "max-instances", 1024, "")
	fs.IntVar(&o.MaxConcurrent, "max-concurrent", 256, "")
	fs.DurationVar(&o.BatchWindow, "batch-window", 2*time.Millisecond, "")
	fs.IntVar(&o.MaxBatch, "max-batch", 256, "")
	fs.BoolVar(&o.NoBatching, "no-batching", false, "")
	fs.DurationVar(&o.ReloadInterval, "reload-interval", 2*time.Second, "")
	fs.DurationVar(&o.ReadTimeout, "read-timeout", 30*time.Second, "")
	fs.DurationVar(&o.WriteTimeout, "write-timeout", 60*time.Second, "")
	level := fs.String("log-level", "info", "")
	format := fs.String("log-format", "text", "")
	if done, st := parseFlags(fs, args, serveUsage, stdout, stderr); done {
		return st
	}
	return finish(stderr, "serve", serveModels(models, *addr, o, *level, *format, stderr))
}

// serveLimitFlags are the flags that set serve's limits, for the errors
// a client receives when it passes one (serve.Options.LimitNames).
var serveLimitFlags = map[string]string{"MaxBodyBytes": "--max-body", "MaxInstances": "--max-instances", "MaxConcurrent": "--max-concurrent"}

func serveModels(models modelFlags, addr string, o serve.Options, level, format string, logw io.Writer) error {
	if len(models) == 0 {
		return userErr("--model is required: a model file written by seqnet train, e.g. --model spam.seqnet (or --model spam=path/to/file.seqnet)")
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"--max-body", o.MaxBodyBytes}, {"--max-instances", int64(o.MaxInstances)}, {"--max-concurrent", int64(o.MaxConcurrent)}, {"--max-batch", int64(o.MaxBatch)}} {
		if f.v <= 0 {
			return userErr("%s must be positive, received %d", f.name, f.v)
		}
	}
	if o.BatchWindow < 0 || o.ReadTimeout <= 0 || o.WriteTimeout <= 0 {
		return userErr("--batch-window must be ≥ 0 and --read-timeout, --write-timeout positive; received %s, %s, %s", o.BatchWindow, o.ReadTimeout, o.WriteTimeout)
	}
	if o.ReloadInterval == 0 {
		o.ReloadInterval = -1 // the package's "never"
	}
	if o.BatchWindow == 0 {
		o.BatchWindow = -1 // take what is queued, never wait
	}
	o.LimitNames = serveLimitFlags
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return userErr("--log-level %q: expected debug, info, warn or error", level)
	}
	hopts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		o.Logger = slog.New(slog.NewTextHandler(logw, hopts))
	case "json":
		o.Logger = slog.New(slog.NewJSONHandler(logw, hopts))
	default:
		return userErr("--log-format %q: expected text or json", format)
	}
	for _, m := range models {
		if err := checkFile("--model", m.Path); err != nil {
			return err
		}
	}
	s, err := serve.New(models, o)
	if err != nil {
		return asUser(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return userErr("--addr %s: %v: choose another port (e.g. --addr 127.0.0.1:8502) or stop what uses it", addr, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if testServeReady != nil {
		testServeReady <- ln.Addr().String()
	}
	if testServeStop != nil {
		go func() {
			select {
			case <-testServeStop:
				stop()
			case <-ctx.Done():
			}
		}()
	}
	if err := s.Serve(ctx, ln); err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	o.Logger.Info("stopped")
	return nil
}
