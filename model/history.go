package model

import (
	"fmt"
	"math"
	"strings"

	"github.com/seqnet/seqnet/losses"
	"github.com/seqnet/seqnet/tensor"
)

// History is what Fit returns: one value per epoch for the loss and each
// metric, with "val_" ones for validation data, as Keras' History.history.
type History struct {
	Epochs []int
	// Keys lists the series in the order Keras prints them.
	Keys    []string
	Metrics map[string][]float64
}

func (h *History) add(epoch int, logs Logs) {
	h.Epochs = append(h.Epochs, epoch)
	if h.Metrics == nil {
		h.Metrics = map[string][]float64{}
	}
	for _, k := range logs.Keys {
		if _, ok := h.Metrics[k]; !ok {
			h.Keys = append(h.Keys, k)
		}
		h.Metrics[k] = append(h.Metrics[k], logs.Values[k])
	}
}

// Last returns the last value of a series (NaN when absent).
func (h *History) Last(key string) float64 {
	s := h.Metrics[key]
	if len(s) == 0 {
		return math.NaN()
	}
	return s[len(s)-1]
}

// Logs are the figures of a batch or an epoch, in order.
type Logs struct {
	Keys   []string
	Values map[string]float64
}

func (l *Logs) set(k string, v float64) {
	if l.Values == nil {
		l.Values = map[string]float64{}
	}
	if _, ok := l.Values[k]; !ok {
		l.Keys = append(l.Keys, k)
	}
	l.Values[k] = v
}

// String formats the logs as Keras' progress line does.
func (l Logs) String() string {
	parts := make([]string, len(l.Keys))
	for i, k := range l.Keys {
		parts[i] = fmt.Sprintf("%s: %.4f", k, l.Values[k])
	}
	return strings.Join(parts, " - ")
}

// accumulator averages the loss and metrics over an epoch by samples.
type accumulator struct {
	lossSum, lossN float64
	sums, counts   [][]float64
	names          [][]string
}

func newAccumulator(metrics [][]losses.Metric) *accumulator {
	a := &accumulator{}
	multi := len(metrics) > 1
	for i, ms := range metrics {
		a.sums = append(a.sums, make([]float64, len(ms)))
		a.counts = append(a.counts, make([]float64, len(ms)))
		var names []string
		for _, m := range ms {
			n := m.Name()
			if multi {
				n = fmt.Sprintf("output_%d_%s", i, n)
			}
			names = append(names, n)
		}
		a.names = append(a.names, names)
	}
	return a
}

// snapshot copies the partial sums of an interrupted epoch.
func (a *accumulator) snapshot() []float64 {
	out := []float64{a.lossSum, a.lossN}
	for i := range a.sums {
		out = append(out, a.sums[i]...)
		out = append(out, a.counts[i]...)
	}
	return out
}

// restore loads sums saved by snapshot (ignored if they do not fit).
func (a *accumulator) restore(v []float64) {
	need := 2
	for i := range a.sums {
		need += 2 * len(a.sums[i])
	}
	if len(v) != need {
		return
	}
	a.lossSum, a.lossN = v[0], v[1]
	k := 2
	for i := range a.sums {
		k += copy(a.sums[i], v[k:])
		k += copy(a.counts[i], v[k:])
	}
}

func (a *accumulator) addLoss(l float64, n int) {
	a.lossSum += l * float64(n)
	a.lossN += float64(n)
}

func (a *accumulator) measure(out int, y, p *tensor.Tensor, metrics [][]losses.Metric) {
	for j, m := range metrics[out] {
		s, c := m.Measure(y, p)
		a.sums[out][j] += s
		a.counts[out][j] += c
	}
}

func (a *accumulator) logs(prefix string) Logs {
	var l Logs
	l.set(prefix+"loss", a.lossSum/a.lossN)
	for i := range a.names {
		for j, n := range a.names[i] {
			l.set(prefix+n, a.sums[i][j]/a.counts[i][j])
		}
	}
	return l
}
