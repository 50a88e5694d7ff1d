package main

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/serve"
)

// TestServe runs `seqnet serve` on a loopback port, checks that its
// answers equal `seqnet predict` on the same texts, and that it stops
// cleanly (exit 0) when told to.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	model, data := "../../pipeline/testdata/spam-cli1.seqnet", "../../pipeline/testdata/spam.tsv"
	jl := filepath.Join(dir, "p.jsonl")
	mustCLI(t, "predict", "--model", model, "--data", data, "--out", jl)

	addr, stop := startServe(t, "--model", "spam="+model, "--addr", "127.0.0.1:0", "--log-format", "json")

	raw, _ := os.ReadFile(data)
	var texts []string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		_, s, _ := strings.Cut(l, "\t")
		texts = append(texts, s)
	}
	body, _ := json.Marshal(map[string]any{"instances": texts})
	resp, err := http.Post("http://"+addr+"/v1/models/spam:predict", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Predictions []struct {
			Label         string             `json:"label"`
			Probabilities map[string]float64 `json:"probabilities"`
		} `json:"predictions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(got.Predictions) != len(texts) {
		t.Fatalf("serve answered %d, %d predictions for %d texts (%v)", resp.StatusCode, len(got.Predictions), len(texts), err)
	}
	f, _ := os.Open(jl)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		var want struct {
			Label         string             `json:"label"`
			Probabilities map[string]float64 `json:"probabilities"`
		}
		json.Unmarshal(sc.Bytes(), &want)
		g := got.Predictions[i]
		for c, p := range want.Probabilities {
			if g.Label != want.Label || math.Abs(g.Probabilities[c]-p) > 1e-6 {
				t.Fatalf("text %d: serve %+v, seqnet predict %+v", i, g, want)
			}
		}
	}
	c, logs := stop()
	if c != 0 {
		t.Fatalf("serve exited %d after the stop: %s", c, logs)
	}
	for _, want := range []string{`"msg":"model loaded"`, `"msg":"serving"`, `"msg":"shutting down: finishing requests in flight"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

// startServe runs `seqnet serve args...` on its own goroutine until it
// listens, and returns its address and a function that stops it and
// returns its exit code and what it wrote to stderr.
func startServe(t *testing.T, args ...string) (addr string, stop func() (int, string)) {
	t.Helper()
	ready, quit := make(chan string, 1), make(chan struct{})
	testServeReady, testServeStop = ready, quit
	t.Cleanup(func() { testServeReady, testServeStop = nil, nil })
	var out, errOut strings.Builder
	code := make(chan int, 1)
	go func() { code <- run(append([]string{"serve"}, args...), &out, &errOut) }()
	select {
	case addr = <-ready:
	case c := <-code:
		t.Fatalf("serve exited %d: %s", c, errOut.String())
	}
	return addr, func() (int, string) {
		close(quit)
		c := <-code
		return c, errOut.String()
	}
}

func TestServeUserErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "--model is required"},
		{[]string{"serve", "--model", "none.seqnet"}, "none.seqnet: no such file"},
		{[]string{"serve", "--model", "../../pipeline/testdata/spam.tsv"}, "not a seqnet model file"},
		{[]string{"serve", "--model", "a b=../../pipeline/testdata/spam-cli1.seqnet"}, `model name "a b"`},
		{[]string{"serve", "--model", "../../pipeline/testdata/spam-cli1.seqnet", "--max-batch", "0"}, "--max-batch must be positive"},
		{[]string{"serve", "--model", "../../pipeline/testdata/spam-cli1.seqnet", "--log-level", "loud"}, `--log-level "loud"`},
		{[]string{"serve", "--model", "../../pipeline/testdata/spam-cli1.seqnet", "--addr", "256.0.0.1:1"}, "--addr 256.0.0.1:1"},
	} {
		_, errOut, code := cli(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("seqnet %s: exit %d, %q; want 2 and %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
}

// TestServeTable: a CSV table classifier trained by seqnet train answers
// table rows ({column: value}, TF row form) and columns (v2 inputs, one
// per column) as seqnet predict does on the file.
func TestServeTable(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 60, 3)
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", path, "--epochs", "2", "--out", mp}, small...)...)
	want := readCSVOut(t, mustCLI(t, "predict", "--model", mp, "--data", path)) // line,label,prob_high,prob_low,prob_mid
	recs := readCSVOut(t, mustRead(t, path))
	s, err := serve.New([]serve.ModelFile{{Name: "m", Path: mp}}, serve.Options{ReloadInterval: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer func() { ts.Close(); s.Close() }()
	var rows []map[string]any
	cols := map[string][]any{}
	for _, r := range recs[1:] {
		row := map[string]any{}
		for j, h := range recs[0] {
			row[h] = json.Number(r[j])
			if h == "label" {
				row[h] = r[j] // sent too, and ignored
			} else {
				cols[h] = append(cols[h], json.Number(r[j]))
			}
		}
		rows = append(rows, row)
	}
	var v2 []map[string]any
	for _, h := range recs[0][:5] {
		v2 = append(v2, map[string]any{"name": h, "shape": []int{len(rows)}, "datatype": "FP32", "data": cols[h]})
	}
	post := func(path string, body any, into any) {
		b, _ := json.Marshal(body)
		resp, err := http.Post(ts.URL+path, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
	var tf struct {
		Predictions []struct {
			Label         string             `json:"label"`
			Probabilities map[string]float64 `json:"probabilities"`
		} `json:"predictions"`
	}
	post("/v1/models/m:predict", map[string]any{"instances": rows}, &tf)
	var kv struct {
		Outputs []struct {
			Name string `json:"name"`
			Data []any  `json:"data"`
		} `json:"outputs"`
	}
	post("/v2/models/m/infer", map[string]any{"inputs": v2}, &kv)
	if len(tf.Predictions) != len(want)-1 || len(kv.Outputs) != 2 {
		t.Fatalf("%d TF predictions, %d v2 outputs for %d rows", len(tf.Predictions), len(kv.Outputs), len(want)-1)
	}
	classes := []string{"high", "low", "mid"}
	for i, w := range want[1:] {
		g := tf.Predictions[i]
		if g.Label != w[1] || kv.Outputs[0].Data[i] != w[1] {
			t.Fatalf("row %d: TF label %s, v2 %v, seqnet predict %s", i, g.Label, kv.Outputs[0].Data[i], w[1])
		}
		for j, c := range classes {
			p, _ := strconv.ParseFloat(w[2+j], 64)
			if math.Abs(g.Probabilities[c]-p) > 1e-5 || math.Abs(kv.Outputs[1].Data[i*3+j].(float64)-p) > 1e-5 {
				t.Fatalf("row %d: P(%s) TF %g, v2 %v, seqnet predict %g", i, c, g.Probabilities[c], kv.Outputs[1].Data[i*3+j], p)
			}
		}
	}
}
