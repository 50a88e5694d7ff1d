package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/seqnet/seqnet/internal/bench"
)

// runBench times the reference workloads (see bench/compare.sh for the
// side-by-side run against PyTorch). It first prints the machine: CPU
// model, vector features, kernel in use and Go version (with --json, as a
// line {"machine": …}).
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON line per measurement, with torch_bench.py's keys")
	threads := fs.Int("threads", 0, "kernel threads (default: all cores)")
	workloads := fs.String("workloads", strings.Join(bench.Workloads, ","), "comma-separated workloads: "+strings.Join(bench.Workloads, ","))
	reps := fs.Int("reps", 5, "timed repetitions (at least 3)")
	minTime := fs.Float64("min-time", 1.0, "seconds per timed repetition")
	compare := fs.String("compare", "", "torch_bench.py (or onnxruntime) JSON lines to compare against: prints a table with ratios")
	peak := fs.String("peak", "", "run_peak.sh JSON lines: W4 is also shown as a fraction of the FMA peak")
	peakFraction := fs.Bool("peak-fraction", false, "also time an FMA peak loop in alternation with W4's forward pass (same threads) and report the forward as a fraction of it, round by round; builds without vector assembly (purego) time plain Go's scalar multiply-add peak instead, named go-scalar-peak")
	serveMode := fs.Bool("serve", false, "instead: the serving load benchmark (issue 14's targets): Predict at batch 1 and 256, then seqnet serve on loopback with --clients concurrent clients, each case for --min-time")
	clientsFlag := fs.String("clients", "1,32", "with --serve: comma-separated numbers of concurrent clients")
	noBatching := fs.Bool("no-batching", false, "with --serve: serve without batching")
	instances := fs.Int("instances", 1, "with --serve: texts per request (issue 14's targets are for 1; more shows what requests of several samples reach)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *serveMode {
		clients, err := parseClients(*clientsFlag)
		if err == nil && *minTime <= 0 {
			err = fmt.Errorf("--min-time %v: expected a positive number of seconds", *minTime)
		}
		if err == nil && (*instances < 1 || *instances > 256) {
			err = fmt.Errorf("--instances %d: expected a number of texts per request from 1 to 256", *instances)
		}
		if err != nil {
			fmt.Fprintf(stderr, "seqnet bench --serve: %v\n", err)
			return 2
		}
		return serveBench(stdout, stderr, clients, time.Duration(*minTime*float64(time.Second)), *noBatching, *instances)
	}
	o := bench.Options{Workloads: strings.Split(*workloads, ","), Threads: *threads, Reps: *reps,
		MinTime: time.Duration(*minTime * float64(time.Second)), PeakFraction: *peakFraction}
	refs, peakOne, peakAll, err := readBenchReferences(*compare, *peak)
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench: %v\n", err)
		return 2
	}
	var results []bench.Result
	machine := bench.ThisMachine()
	if *asJSON {
		b, _ := json.Marshal(map[string]any{"machine": machine})
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintf(stdout, "# %s\n", machine)
		fmt.Fprintf(stdout, "%-6s %-26s %-20s %12s %12s %12s\n", "id", "name", "metric", "median", "min", "max")
	}
	err = bench.Run(o, func(r bench.Result) {
		results = append(results, r)
		printBenchResult(stdout, r, *asJSON)
	})
	if err != nil {
		fmt.Fprintf(stderr, "seqnet bench: %v\n", err)
		return 2
	}
	if *compare != "" {
		fmt.Fprintln(stdout)
		bench.Table(stdout, results, refs, peakOne, peakAll)
	}
	return 0
}

// readBenchReferences reads --compare's reference lines (comma-separated
// files) and --peak's FMA peak; empty paths read nothing.
func readBenchReferences(compare, peak string) (refs []bench.Reference, peakOne, peakAll float64, err error) {
	if compare != "" {
		for _, path := range strings.Split(compare, ",") {
			f, err := os.Open(path)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("--compare: %v", err)
			}
			r, err := bench.ReadReferences(f)
			f.Close()
			if err != nil {
				return nil, 0, 0, fmt.Errorf("--compare %s: %v", path, err)
			}
			refs = append(refs, r...)
		}
	}
	if peak != "" {
		f, err := os.Open(peak)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("--peak: %v", err)
		}
		peakOne, peakAll, err = bench.ReadPeak(f)
		f.Close()
		if err != nil {
			return nil, 0, 0, fmt.Errorf("--peak: %v", err)
		}
	}
	return refs, peakOne, peakAll, nil
}

// printBenchResult prints one measurement: a JSON line with torch_bench.py's
// keys (plus the workload's extras), or a row of the table.
func printBenchResult(w io.Writer, r bench.Result, asJSON bool) {
	if !asJSON {
		fmt.Fprintf(w, "%-6s %-26s %-20s %12.4g %12.4g %12.4g\n", r.Workload, r.Name, r.Metric, r.Median, r.Min, r.Max)
		return
	}
	line := map[string]any{"system": r.System, "threads": r.Threads, "workload": r.Workload, "name": r.Name,
		"metric": r.Metric, "median": r.Median, "min": r.Min, "max": r.Max, "reps": r.Reps}
	for k, v := range r.Extra {
		line[k] = v
	}
	b, _ := json.Marshal(line)
	fmt.Fprintln(w, string(b))
}
