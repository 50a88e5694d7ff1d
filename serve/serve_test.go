package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

const (
	spamModel    = "../pipeline/testdata/spam-cli1.seqnet"
	weatherModel = "../pipeline/testdata/weather-cli1.seqnet"
)

// quiet discards logs (set SEQNET_SERVE_LOG=1 to see them).
func quiet() *slog.Logger {
	if os.Getenv("SEQNET_SERVE_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newTest serves the spam classifier and the weather forecaster.
func newTest(t testing.TB, o Options) (*Server, *httptest.Server) {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quiet()
	}
	if o.ReloadInterval == 0 {
		o.ReloadInterval = -1
	}
	s, err := New([]ModelFile{{"spam", spamModel}, {"weather", weatherModel}}, o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts
}

// do sends a request and returns the status and the decoded JSON answer.
func do(t testing.TB, ts *httptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, b)
	}
	return resp.StatusCode, v
}

// cliLine is one line of `seqnet predict --out X.jsonl`.
type cliLine map[string]any

func readCLI(t *testing.T, path string) []cliLine {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cliLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l cliLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-5*(1+math.Abs(b)) }

// spamTexts are the subject lines of the spam fixture, in file order.
func spamTexts(t *testing.T) []string {
	b, err := os.ReadFile("../pipeline/testdata/spam.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		_, s, _ := strings.Cut(l, "\t")
		texts = append(texts, s)
	}
	return texts
}

// weatherRows are the rows of the weather fixture as {column: value}.
func weatherRows(t *testing.T) []map[string]any {
	b, err := os.ReadFile("../pipeline/testdata/weather.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	head := strings.Split(lines[0], ",")
	var rows []map[string]any
	for _, l := range lines[1:] {
		r := map[string]any{}
		for j, v := range strings.Split(l, ",") {
			if j == 0 {
				r[head[j]] = v
			} else {
				r[head[j]] = json.Number(v)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestPredictionsEqualCLI: the server's answers equal what `seqnet
// predict` wrote for the same rows (pipeline/testdata/*.predict.jsonl),
// in both protocols, with and without batching, from 50 concurrent
// clients (run with -race).
func TestPredictionsEqualCLI(t *testing.T) {
	texts := spamTexts(t)
	spamWant := readCLI(t, "../pipeline/testdata/spam-cli1.predict.jsonl")
	rows := weatherRows(t)
	weatherWant := readCLI(t, "../pipeline/testdata/weather-cli1.predict.jsonl")
	for _, noBatching := range []bool{false, true} {
		t.Run(fmt.Sprintf("no-batching=%v", noBatching), func(t *testing.T) {
			_, ts := newTest(t, Options{NoBatching: noBatching})
			const clients = 50
			var wg sync.WaitGroup
			errs := make(chan error, clients*4)
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					// Texts c, c+50, … (every text once): half the clients in TF row form, half in v2.
					var idx []int
					var batch []string
					for i := c; i < len(texts); i += clients {
						idx, batch = append(idx, i), append(batch, texts[i])
					}
					probs, labels, err := classify(ts, c%2 == 0, batch)
					if err != nil {
						errs <- err
						return
					}
					for k, i := range idx {
						w := spamWant[i]
						wp := w["probabilities"].(map[string]any)
						if labels[k] != w["label"] || !near(probs[k][0], wp["0"].(float64)) || !near(probs[k][1], wp["1"].(float64)) {
							errs <- fmt.Errorf("text %d %q: label %s P %v, seqnet predict: %v", i, texts[i], labels[k], probs[k], w)
							return
						}
					}
					// One forecast per client: the window of rows i..i+6.
					i := c * 7
					body := mustJSON(map[string]any{"instances": []any{rows[i : i+7]}})
					code, v := doNoFatal(ts, "POST", "/v1/models/weather:predict", body)
					if code != 200 {
						errs <- fmt.Errorf("forecast %d: %d %v", i, code, v)
						return
					}
					p := v["predictions"].([]any)[0].(map[string]any)
					w := weatherWant[i]
					// The window's target row is past the rows sent: named after the last.
					if p["target_row"] != rows[i+6]["date"].(string)+"+1" || w["target_row"] != rows[i+7]["date"] || !near(p["values"].(map[string]any)["temp_max"].(float64), w["values"].(map[string]any)["temp_max"].(float64)) {
						errs <- fmt.Errorf("forecast of window %d: %v, seqnet predict: %v", i, p, w)
					}
				}(c)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func doNoFatal(ts *httptest.Server, method, path, body string) (int, map[string]any) {
	req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	resp, err := ts.Client().Do(req)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return resp.StatusCode, map[string]any{"error": "undecodable answer: " + err.Error()}
	}
	return resp.StatusCode, v
}

// classify sends texts in TF row form (tf) or as a v2 BYTES input and
// returns the probabilities and labels.
func classify(ts *httptest.Server, tf bool, texts []string) ([][2]float64, []string, error) {
	probs := make([][2]float64, len(texts))
	labels := make([]string, len(texts))
	if tf {
		code, v := doNoFatal(ts, "POST", "/v1/models/spam:predict", mustJSON(map[string]any{"instances": texts}))
		if code != 200 {
			return nil, nil, fmt.Errorf("TF predict: %d %v", code, v)
		}
		for i, p := range v["predictions"].([]any) {
			m := p.(map[string]any)
			pr := m["probabilities"].(map[string]any)
			probs[i] = [2]float64{pr["0"].(float64), pr["1"].(float64)}
			labels[i] = m["label"].(string)
		}
		return probs, labels, nil
	}
	body := mustJSON(map[string]any{"id": "x", "inputs": []any{map[string]any{"name": "subject", "datatype": "BYTES", "shape": []int{len(texts)}, "data": texts}}})
	code, v := doNoFatal(ts, "POST", "/v2/models/spam/infer", body)
	if code != 200 {
		return nil, nil, fmt.Errorf("v2 infer: %d %v", code, v)
	}
	outs := v["outputs"].([]any)
	for _, o := range outs {
		m := o.(map[string]any)
		data := m["data"].([]any)
		switch m["name"] {
		case "label":
			for i, d := range data {
				labels[i] = d.(string)
			}
		case "probabilities":
			for i := range texts {
				probs[i] = [2]float64{data[2*i].(float64), data[2*i+1].(float64)}
			}
		}
	}
	return probs, labels, nil
}

// TestBadRequests: malformed bodies, wrong shapes, unknown models, huge
// bodies and non-finite values are 4xx with a message, and the server
// keeps answering.
func TestBadRequests(t *testing.T) {
	_, ts := newTest(t, Options{MaxBodyBytes: 4096, MaxInstances: 8})
	window := func(edit func(r map[string]any)) string {
		rows := weatherRows(t)[:7]
		for _, r := range rows {
			edit(r)
		}
		return mustJSON(map[string]any{"instances": []any{rows}})
	}
	cases := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/v1/models/spam:predict", `{"instances": ["a"`, 400, "not valid JSON"},
		{"POST", "/v1/models/spam:predict", `["a"]`, 400, "not valid JSON"},
		{"POST", "/v1/models/spam:predict", `{}`, 400, `neither "instances" nor "inputs"`},
		{"POST", "/v1/models/spam:predict", `{"instances": []}`, 400, "is empty"},
		{"POST", "/v1/models/spam:predict", `{"instances": ["a"], "inputs": ["b"]}`, 400, "both"},
		{"POST", "/v1/models/spam:predict", `{"instances": [1, "a"]}`, 400, ""},
		{"POST", "/v1/models/spam:predict", `{"instances": [[1, 2, 3]]}`, 400, "samples of shape [3], but the model reads [12]"},
		{"POST", "/v1/models/spam:predict", `{"instances": [[1,2,3,4,5,6,7,8,9,10,11,99999]]}`, 400, "could not read the input"},
		{"POST", "/v1/models/spam:predict", `{"instances": [[1,2,3,4,5,6,7,8,9,10,11,-1]]}`, 400, "could not read the input"},
		{"POST", "/v1/models/spam:predict", `{"instances": [[1,2,3,4,5,6,7,8,9,10,11,NaN]]}`, 400, "not valid JSON"},
		{"POST", "/v1/models/spam:predict", `{"instances": [[1,2,3,4,5,6,7,8,9,10,11,1e39]]}`, 400, "not a finite 32-bit number"},
		{"POST", "/v1/models/spam:predict", `{"instances": [[[1],[2]],[3]]}`, 400, "not rectangular"},
		{"POST", "/v1/models/spam:predict", `{"instances": ["a","a","a","a","a","a","a","a","a"]}`, 413, "at most 8"},
		{"POST", "/v1/models/spam:predict", `{"instances": ["` + strings.Repeat("a", 5000) + `"]}`, 413, "larger than 4096 bytes"},
		{"POST", "/v1/models/nope:predict", `{"instances": ["a"]}`, 404, `model "nope" not found`},
		{"POST", "/v1/models/spam/versions/7:predict", `{"instances": ["a"]}`, 404, "version 7 not found"},
		{"POST", "/v1/models/spam:classify", `{"instances": ["a"]}`, 404, ":classify"},
		{"GET", "/v1/models/spam:predict", ``, 405, "use POST"},
		{"POST", "/v1/models/weather:predict", window(func(r map[string]any) { r["wind"] = "NaN" }), 400, "wind"},
		{"POST", "/v1/models/weather:predict", window(func(r map[string]any) { delete(r, "wind") }), 400, `no column "wind"`},
		{"POST", "/v1/models/weather:predict", window(func(r map[string]any) { r["wind"] = true }), 400, "a boolean"},
		{"POST", "/v1/models/weather:predict", `{"instances": [[{"temp_max": 1, "temp_min": 1, "precipitation": 1, "wind": 1}]]}`, 400, "one window needs 7"},
		{"POST", "/v1/models/weather:predict", `{"instances": ["hello"]}`, 400, "this model reads windows"},
		{"POST", "/v1/models/weather:predict", `{"instances": ["hello", 1]}`, 400, "instance 0 is a string, but this model reads windows"},
		{"POST", "/v1/models/spam:predict", `{"instances": ["hello", 1]}`, 400, "instance 1 is a number, but instance 0 is a string"},
		{"POST", "/v2/models/spam/infer", `{"inputs": []}`, 400, `"inputs" is missing or empty`},
		{"POST", "/v2/models/spam/infer", `{"inputs": [{"name": "x", "shape": [2], "datatype": "BYTES", "data": ["a"]}]}`, 400, "holds more values than the 1 data values"},
		{"POST", "/v2/models/spam/infer", `{"inputs": [{"name": "x", "shape": [1, 12], "datatype": "FP32", "data": [1,2,3]}]}`, 400, "holds more values than the 3 data values"},
		{"POST", "/v2/models/spam/infer", `{"inputs": [{"name": "x", "shape": [-1], "datatype": "BYTES", "data": ["a"]}]}`, 400, "negative dimension"},
		{"POST", "/v2/models/spam/infer", `{"inputs": [{"name": "x", "shape": [9223372036854775807, 2], "datatype": "FP32", "data": [1]}]}`, 400, "holds more values"},
		{"POST", "/v2/models/spam/infer", `{"inputs": [{"name": "x", "shape": [1], "datatype": "STRING", "data": ["a"]}]}`, 400, `datatype "STRING"`},
		{"POST", "/v2/models/spam/infer", `{"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": ["a"]}], "outputs": [{"name": "logits"}]}`, 400, `output "logits" does not exist`},
		{"POST", "/v2/models/weather/infer", `{"inputs": [{"name": "temp_max", "shape": [7], "datatype": "FP32", "data": [1,2,3,4,5,6,7]}]}`, 400, `no column "temp_min"`},
		{"POST", "/v2/models/nope/infer", `{}`, 404, `model "nope" not found`},
		{"GET", "/v2/models/spam/infer", ``, 405, "use POST"},
		{"GET", "/v3/anything", ``, 404, "no such endpoint"},
	}
	for _, c := range cases {
		code, v := do(t, ts, c.method, c.path, c.body)
		msg, _ := v["error"].(string)
		if code != c.code || msg == "" || !strings.Contains(msg, c.want) {
			body := c.body
			if len(body) > 80 {
				body = body[:80] + "…"
			}
			t.Errorf("%s %s %s: %d %q, want %d and an error containing %q", c.method, c.path, body, code, msg, c.code, c.want)
		}
		// The server keeps serving.
		if code, v := do(t, ts, "POST", "/v1/models/spam:predict", `{"instances": ["free money"]}`); code != 200 {
			t.Fatalf("after %s %s: a good request got %d %v", c.method, c.path, code, v)
		}
	}
}

// TestMetrics: /metrics counts requests, errors, batch sizes and loads.
func TestMetrics(t *testing.T) {
	_, ts := newTest(t, Options{})
	do(t, ts, "POST", "/v1/models/spam:predict", `{"instances": ["free money", "hi"]}`)
	do(t, ts, "POST", "/v1/models/spam:predict", `{"instances": [`)
	// Each protocol's successful requests count under their own labels
	// (serve keeps their series per model and protocol); a status request
	// counts as its protocol's.
	do(t, ts, "GET", "/v1/models/spam", "")
	do(t, ts, "GET", "/v2/models/weather/ready", "")
	do(t, ts, "GET", "/v2/models/spam", "")
	do(t, ts, "GET", "/v2/models/spam", "")
	resp, err := ts.Client().Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`seqnet_requests_total{code="200",model="spam",protocol="tfserving"} 2`,
		`seqnet_requests_total{code="200",model="spam",protocol="v2"} 2`,
		`seqnet_requests_total{code="200",model="weather",protocol="v2"} 1`,
		`seqnet_request_duration_seconds_count{model="spam",protocol="v2"} 2`,
		`seqnet_requests_total{code="400",model="spam",protocol="tfserving"} 1`,
		`seqnet_request_errors_total{kind="bad_request",model="spam",protocol="tfserving"} 1`,
		`seqnet_batch_size_sum{model="spam"} 2`,
		`seqnet_request_duration_seconds_count{model="spam",protocol="tfserving"} 3`,
		`seqnet_model_loads_total{model="weather",result="ok"} 1`,
		`seqnet_model_load_seconds{model="spam"}`,
		`go_goroutines`,
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestReload: a changed model file is reloaded as a new version; a bad
// file keeps the old version serving.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.seqnet")
	copyFile(t, spamModel, path)
	var logs bytes.Buffer
	var mu sync.Mutex
	s, err := New([]ModelFile{{"m", path}}, Options{ReloadInterval: -1, Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer func() { ts.Close(); s.Close() }()
	version := func() string {
		_, v := do(t, ts, "GET", "/v1/models/m", "")
		return v["model_version_status"].([]any)[0].(map[string]any)["version"].(string)
	}
	if s.Reload("m") || version() != "1" {
		t.Fatal("reloaded an unchanged file")
	}
	// A truncated file: the old model keeps serving, the failure is logged.
	b, _ := os.ReadFile(spamModel)
	os.WriteFile(path, b[:len(b)/2], 0o644)
	if s.Reload("m") {
		t.Fatal("a truncated file was loaded")
	}
	if code, v := do(t, ts, "POST", "/v1/models/m:predict", `{"instances": ["free money"]}`); code != 200 || version() != "1" {
		t.Fatalf("after a bad file: %d %v, version %s", code, v, version())
	}
	mu.Lock()
	if !strings.Contains(logs.String(), "model reload failed: the loaded version keeps serving") {
		t.Errorf("logs lack the failed reload:\n%s", logs.String())
	}
	mu.Unlock()
	// A good new file (the forecaster) replaces it atomically.
	copyFile(t, weatherModel, path)
	if !s.Reload("m") || version() != "2" {
		t.Fatalf("the new file was not loaded (version %s)", version())
	}
	if code, v := do(t, ts, "POST", "/v1/models/m:predict", `{"instances": ["free money"]}`); code != 400 || !strings.Contains(v["error"].(string), "windows") {
		t.Fatalf("the forecaster answered a text: %d %v", code, v)
	}
	if code, _ := do(t, ts, "GET", "/v2/models/m/versions/2/ready", ""); code != 200 {
		t.Errorf("version 2 not ready: %d", code)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, to); err != nil {
		t.Fatal(err)
	}
}

// TestShutdown: when Serve's context ends, a request in flight (here, its
// body half sent) is still answered, then Serve returns and new
// connections are refused.
func TestShutdown(t *testing.T) {
	s, err := New([]ModelFile{{"spam", spamModel}}, Options{ReloadInterval: -1, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"instances": ["free money now"]}`
	fmt.Fprintf(conn, "POST /v1/models/spam:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:10])
	time.Sleep(100 * time.Millisecond) // the server is reading the body
	cancel()
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	io.WriteString(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"predictions"`) {
		t.Fatalf("in-flight request: %d %s", resp.StatusCode, b)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last request")
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted after shutdown")
	}
}

// TestWatchReloads: the watcher notices a changed file by itself.
func TestWatchReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.seqnet")
	copyFile(t, spamModel, path)
	s, err := New([]ModelFile{{"m", path}}, Options{ReloadInterval: 10 * time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	copyFile(t, weatherModel, path)
	deadline := time.Now().Add(10 * time.Second)
	for s.models["m"].cur.Load().version != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the changed file was not reloaded within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if s.models["m"].cur.Load().p.Kind != pipeline.KindSeries {
		t.Fatal("version 2 is not the new file")
	}
}

// TestLongWindowReadsOnlyTheLastRows: a window instance with many rows is
// answered from its last rows (the same forecast as sending only them),
// without reading a window per row: 20,000 rows must not cost megabytes.
func TestLongWindowReadsOnlyTheLastRows(t *testing.T) {
	m, p, err := pipeline.Load(weatherModel)
	if err != nil {
		t.Fatal(err)
	}
	lm := &loaded{m: m, p: p}
	rows := weatherRows(t)
	var long []map[string]string
	for len(long) < 20000 {
		for _, r := range rows {
			rec := map[string]string{}
			for k, v := range r {
				rec[k] = fmt.Sprint(v)
			}
			long = append(long, rec)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x, _, names, err := inputs(lm, &request{n: 1, windows: [][]map[string]string{long}})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("reading one window of %d rows allocated %d bytes", len(long), got)
	}
	x7, _, names7, err := inputs(lm, &request{n: 1, windows: [][]map[string]string{long[len(long)-7:]}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Data, x7.Data) || names[0] != names7[0] || x.Shape[0] != 1 {
		t.Fatalf("the long window read %v %v, its last 7 rows %v %v", x.Shape, names, x7.Shape, names7)
	}
}

// TestModelWithoutPipeline: a model saved without preprocessing (e.g.
// imported from Keras) takes tensors and answers its raw outputs.
func TestModelWithoutPipeline(t *testing.T) {
	m, _, err := pipeline.Load(weatherModel)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bare.seqnet")
	if err := checkpoint.Save(path, m, checkpoint.Extra{}); err != nil {
		t.Fatal(err)
	}
	s, err := New([]ModelFile{{"bare", path}}, Options{ReloadInterval: -1, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer func() { ts.Close(); s.Close() }()
	x := tensor.New(1, 7, 4)
	for i := range x.Data {
		x.Data[i] = float32(i%5) / 5
	}
	y, err := m.Predict(x, 1)
	if err != nil {
		t.Fatal(err)
	}
	var inst [][]float32
	for r := 0; r < 7; r++ {
		inst = append(inst, x.Data[r*4:r*4+4])
	}
	code, v := do(t, ts, "POST", "/v1/models/bare:predict", mustJSON(map[string]any{"instances": [][][]float32{inst}}))
	if code != 200 {
		t.Fatalf("%d %v", code, v)
	}
	got := v["predictions"].([]any)[0].(map[string]any)["values"].(map[string]any)["output_0"].(float64)
	if !near(got, float64(y.Data[0])) {
		t.Fatalf("output_0 %g, Predict %g (the raw, scaled output: no pipeline to undo it)", got, y.Data[0])
	}
	if code, v := do(t, ts, "POST", "/v1/models/bare:predict", `{"instances": ["a text"]}`); code != 400 || !strings.Contains(v["error"].(string), "this model reads tensors") {
		t.Fatalf("a text to a bare model: %d %v", code, v)
	}
}
