package main

import (
	"bufio"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServe runs `seqnet serve` on a loopback port, checks that its
// answers equal `seqnet predict` on the same texts, and that it stops
// cleanly (exit 0) when told to.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	model, data := "../../pipeline/testdata/spam-cli1.seqnet", "../../pipeline/testdata/spam.tsv"
	jl := filepath.Join(dir, "p.jsonl")
	mustCLI(t, "predict", "--model", model, "--data", data, "--out", jl)

	ready, stop := make(chan string, 1), make(chan struct{})
	testServeReady, testServeStop = ready, stop
	defer func() { testServeReady, testServeStop = nil, nil }()
	var out, errOut strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- run([]string{"serve", "--model", "spam=" + model, "--addr", "127.0.0.1:0", "--log-format", "json"}, &out, &errOut)
	}()
	var addr string
	select {
	case addr = <-ready:
	case c := <-code:
		t.Fatalf("serve exited %d: %s", c, errOut.String())
	}

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
	close(stop)
	if c := <-code; c != 0 {
		t.Fatalf("serve exited %d after the stop: %s", c, errOut.String())
	}
	for _, want := range []string{`"msg":"model loaded"`, `"msg":"serving"`, `"msg":"shutting down: finishing requests in flight"`, `"msg":"stopped"`} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, errOut.String())
		}
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
