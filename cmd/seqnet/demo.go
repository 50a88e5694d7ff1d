package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seqnet/seqnet/internal/demo"
	"github.com/seqnet/seqnet/internal/tutorial"
	"github.com/seqnet/seqnet/plot"
)

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	seed := fs.Uint64("seed", 1, "random seed for weight initialisation and shuffling")
	epochs := fs.Int("epochs", 200, "epochs of each tutorial experiment (the tutorial uses 200)")
	out := fs.String("out", filepath.Join(os.TempDir(), "seqnet-demo"), "folder for the pictures")
	parts := fs.String("parts", "tutorial,spam,weather", "which parts to run: tutorial, spam, weather")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: seqnet demo [--seed N] [--epochs N] [--out DIR] [--parts LIST]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		// One line, as every command: not Go's whole flag listing.
		fmt.Fprintf(stderr, "seqnet demo: %v; run 'seqnet demo -h' for the flags\n", err)
		return 2
	}
	if *epochs <= 0 {
		fmt.Fprintf(stderr, "seqnet demo: --epochs must be positive, received %d\n", *epochs)
		return 2
	}
	want := map[string]bool{}
	for _, p := range strings.Split(*parts, ",") {
		p = strings.TrimSpace(p)
		if p != "tutorial" && p != "spam" && p != "weather" {
			fmt.Fprintf(stderr, "seqnet demo: unknown part %q: expected tutorial, spam or weather\n", p)
			return 2
		}
		want[p] = true
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "seqnet demo: --out: %v\n", err)
		return 2
	}
	if want["tutorial"] {
		if err := demoTutorial(stdout, *seed, *epochs, *out); err != nil {
			fmt.Fprintf(stderr, "seqnet demo: %v\n", err)
			return 1
		}
	}
	if want["spam"] {
		if err := demoSpam(stdout, *seed, *out); err != nil {
			fmt.Fprintf(stderr, "seqnet demo: %v\n", err)
			return 1
		}
	}
	if want["weather"] {
		if err := demoWeather(stdout, *seed, *out); err != nil {
			fmt.Fprintf(stderr, "seqnet demo: %v\n", err)
			return 1
		}
	}
	return 0
}

// demoSpam is part 3: a text CNN against Naive Bayes, and the CNN's epoch
// time against an LSTM's.
func demoSpam(w io.Writer, seed uint64, out string) error {
	fmt.Fprintln(w, "\n== 3. Text: a CNN on 4,268 SpamAssassin subject lines (embedded), against multinomial Naive Bayes ==")
	r, err := demo.Spam(w, seed, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "test accuracy: text CNN %.1f%%, Naive Bayes %.1f%% (%s); learning curves: %s\n",
		100*r.Model, 100*r.Baseline, r.Elapsed.Round(time.Second), r.Picture)
	cnn, lstm, pc, pl, err := demo.EpochTimes(seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "time per epoch on the same data: CNN %.2f s (%d weights besides the embedding), LSTM %.2f s (%d): the CNN is %.1f× faster\n",
		cnn, pc, lstm, pl, lstm/cnn)
	return nil
}

// demoWeather is part 4: next-day temperature against persistence.
func demoWeather(w io.Writer, seed uint64, out string) error {
	fmt.Fprintln(w, "\n== 4. Time series: tomorrow's maximum temperature in Seattle from the last 14 days (embedded) ==")
	r, err := demo.Weather(w, seed, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "test MAE on the last 20%% of days: CNN %.2f °C, persistence (tomorrow = today) %.2f °C (%s); learning curves: %s\n",
		r.Model, r.Baseline, r.Elapsed.Round(time.Second), r.Picture)
	return nil
}

func fmtVec(v []float32) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.4f", x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// demoTutorial prints the tutorial: the sliding window by hand, then its
// three Keras experiments trained with seqnet.
func demoTutorial(w io.Writer, seed uint64, epochs int, out string) error {
	fmt.Fprintln(w, "== 1. Conv1D by hand: a 2-wide kernel slides over 4 values ==")
	fmt.Fprintln(w, "conv1d_filter = [1 2]    data = [0 3 4 5]")
	walk(w, []float32{0, 3, 4, 5}, []float32{1, 2})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "== 2. The same layer, learned: Conv1D(filters, kernel_size=2, strides=1, padding=\"valid\", use_bias=False)")
	fmt.Fprintln(w, "   trained with Adam(learning_rate=0.05) and loss \"mae\" on a single sample ==")
	for i, e := range tutorial.Experiments() {
		fmt.Fprintf(w, "\nExperiment %d: %s\n", i+1, e.Title)
		m, err := e.Build(seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "input shape %v (1 sample, %d steps, %d channel(s)); target shape %v\n",
			e.X.Shape, e.X.Shape[1], e.X.Shape[2], e.Y.Shape)
		fmt.Fprint(w, indent(m.Summary()))
		fmt.Fprintln(w, "epoch  kernel (Keras layout, flattened)         loss (MAE)")
		var snaps []tutorial.Snapshot
		last, err := e.Run(seed, epochs, 20, func(s tutorial.Snapshot) {
			snaps = append(snaps, s)
			if s.Epoch == 0 {
				fmt.Fprintf(w, "%5s  %-40s %s\n", "init", fmtVec(s.Kernel), "-")
				return
			}
			fmt.Fprintf(w, "%5d  %-40s %.4f\n", s.Epoch, fmtVec(s.Kernel), s.Loss)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "final kernel %s, loss %.4f (the data was made with %s).\n", fmtVec(last.Kernel), last.Loss, fmtVec(e.Want))
		if e.Filters > 1 || e.X.Shape[2] > 1 {
			// Unflatten (kernel_size, channels, filters) per filter.
			k, c := 2, e.X.Shape[2]
			for f := 0; f < e.Filters; f++ {
				var taps []string
				for t := 0; t < k; t++ {
					var ch []float32
					for j := 0; j < c; j++ {
						ch = append(ch, last.Kernel[(t*c+j)*e.Filters+f])
					}
					taps = append(taps, fmtVec(ch))
				}
				fmt.Fprintf(w, "  filter %d, tap by tap (each tap's channels): %s\n", f, strings.Join(taps, " "))
			}
		}
		fmt.Fprintf(w, "What it means: %s\n", e.Meaning)
		if i == 0 {
			path := filepath.Join(out, "tutorial-weights.png")
			if err := drawTrajectories(path, snaps, e.Want); err != nil {
				return err
			}
			fmt.Fprintf(w, "the weights every 20 epochs, drawn: %s\n", path)
		}
	}
	return nil
}

// drawTrajectories plots each kernel weight over the epochs with the
// values that made the data as dashed lines.
func drawTrajectories(path string, snaps []tutorial.Snapshot, want []float32) error {
	var epochs []int
	series := make([]plot.Series, len(want))
	for j := range series {
		series[j].Name = fmt.Sprintf("w[%d]", j)
	}
	for _, s := range snaps {
		epochs = append(epochs, s.Epoch)
		for j, v := range s.Kernel {
			series[j].Values = append(series[j].Values, float64(v))
		}
	}
	targets := make([]float64, len(want))
	for j, v := range want {
		targets[j] = float64(v)
	}
	return plot.WeightTrajectories(path, "Conv1D kernel learning [1, 2] (Adam 0.05, MAE)", epochs, series, targets...)
}

// walk prints the numpy-style sliding window of the tutorial's first part.
func walk(w io.Writer, data, kernel []float32) {
	var out []float32
	for t := 0; t+len(kernel) <= len(data); t++ {
		win := data[t : t+len(kernel)]
		prod := make([]float32, len(kernel))
		var s float32
		for i := range kernel {
			prod[i] = win[i] * kernel[i]
			s += prod[i]
		}
		out = append(out, s)
		fmt.Fprintf(w, "%v * %v = %v → sum %v\n", win, kernel, prod, s)
	}
	fmt.Fprintf(w, "Conv1d output %v\n", out)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}
