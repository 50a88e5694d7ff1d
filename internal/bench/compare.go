package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Reference is a line of torch_bench.py (or onnxruntime) output.
type Reference struct {
	System   string  `json:"system"`
	Threads  int     `json:"threads"`
	Workload string  `json:"workload"`
	Name     string  `json:"name"`
	Metric   string  `json:"metric"`
	Median   float64 `json:"median"`
}

// ReadReferences reads JSON lines, keeping those that are measurements.
func ReadReferences(r io.Reader) ([]Reference, error) {
	var out []Reference
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "{") {
			continue
		}
		var ref Reference
		if err := json.Unmarshal([]byte(text), &ref); err != nil {
			return nil, fmt.Errorf("reference line %d: %w", line, err)
		}
		if ref.Name != "" && ref.Metric != "" {
			out = append(out, ref)
		}
	}
	return out, sc.Err()
}

// ReadPeak returns the FMA peak GFLOP/s for 1 thread and all threads from
// run_peak.sh's output (the larger of the AVX2 and AVX-512 figures).
func ReadPeak(r io.Reader) (one, all float64, err error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var p struct {
			Bench   string  `json:"bench"`
			Threads int     `json:"threads"`
			Median  float64 `json:"gflops_median"`
		}
		if json.Unmarshal(sc.Bytes(), &p) != nil || !strings.HasPrefix(p.Bench, "fma") {
			continue
		}
		if p.Threads == 1 {
			one = max(one, p.Median)
		} else {
			all = max(all, p.Median)
		}
	}
	return one, all, sc.Err()
}

// higherIsBetter tells which way a metric points.
func higherIsBetter(metric string) bool {
	return !strings.HasPrefix(metric, "us_")
}

// Table formats seqnet's results beside the references with the ratio
// seqnet/reference, oriented so that > 1 means seqnet is faster.
func Table(w io.Writer, ours []Result, refs []Reference, peakOne, peakAll float64) {
	fmt.Fprintf(w, "| workload | metric | threads | seqnet | reference | ratio (>1: seqnet faster) |\n|---|---|---|---|---|---|\n")
	for _, r := range ours {
		for _, ref := range refs {
			if ref.Name != r.Name || ref.Threads != r.Threads {
				continue
			}
			ratio := r.Median / ref.Median
			if !higherIsBetter(r.Metric) {
				ratio = ref.Median / r.Median
			}
			fmt.Fprintf(w, "| %s %s | %s | %d | %.4g | %.4g (%s) | %.2f× |\n", r.Workload, r.Name, r.Metric, r.Threads, r.Median, ref.Median, ref.System, ratio)
		}
	}
	for _, r := range ours {
		if r.Workload != "W4" {
			continue
		}
		peak := peakAll
		if r.Threads == 1 {
			peak = peakOne
		}
		if peak > 0 {
			fmt.Fprintf(w, "\n%s (%d thread(s)): %.4g GFLOP/s = %.0f%% of the FMA peak %.4g GFLOP/s", r.Name, r.Threads, r.Median, 100*r.Median/peak, peak)
		}
	}
	fmt.Fprintln(w)
}
