package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	errors      *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	batchSize   *prometheus.HistogramVec
	inflight    prometheus.Gauge
	loads       *prometheus.CounterVec
	loadSeconds *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seqnet_requests_total",
			Help: "Inference and model-status requests, by model, protocol (tfserving, v2) and HTTP status code."},
			[]string{"model", "protocol", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seqnet_request_errors_total",
			Help: "Requests answered with an error, by model, protocol and kind (bad_request, too_large, not_found, busy, internal)."},
			[]string{"model", "protocol", "kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "seqnet_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by model and protocol.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18)},
			[]string{"model", "protocol"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "seqnet_batch_size",
			Help:    "Samples per forward pass of the batcher, by model.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11)},
			[]string{"model"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "seqnet_inflight_requests",
			Help: "Inference requests being answered."}),
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seqnet_model_loads_total",
			Help: "Model file loads (start and reloads), by model and result (ok, error)."},
			[]string{"model", "result"}),
		loadSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "seqnet_model_load_seconds",
			Help: "How long the last successful load of the model file took."},
			[]string{"model"}),
	}
	m.reg.MustRegister(m.requests, m.errors, m.latency, m.batchSize, m.inflight, m.loads, m.loadSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// okMetrics are a model's series for its successful requests of one
// protocol, looked up once: WithLabelValues hashes and looks up its labels
// on every call.
type okMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// ok returns e's okMetrics for protocol, made on its first use (two
// requests that make them at once get the same series).
func (m *metrics) ok(e *entry, protocol string) *okMetrics {
	i := 0
	if protocol == protoV2 {
		i = 1
	}
	if o := e.ok[i].Load(); o != nil {
		return o
	}
	o := &okMetrics{requests: m.requests.WithLabelValues(e.name, protocol, "200"),
		latency: m.latency.WithLabelValues(e.name, protocol)}
	e.ok[i].Store(o)
	return o
}
