package serve

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from the server's answers (check the diff by eye)")

// golden is one request and the answer the server must give.
type golden struct {
	Name     string          `json:"name"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Body     json.RawMessage `json:"body,omitempty"`
	Code     int             `json:"code"`
	Response json.RawMessage `json:"response"`
}

// TestGolden replays testdata/golden.json: request/answer pairs of both
// protocols, errors included. Numbers must agree to 1e-5 (relative): the
// forward pass may round differently on another CPU.
func TestGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []golden
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	_, ts := newTest(t, Options{MaxInstances: 16, MaxBodyBytes: 1 << 16})
	for i, c := range cases {
		var body io.Reader
		if len(c.Body) > 0 {
			var s string
			if json.Unmarshal(c.Body, &s) == nil {
				body = strings.NewReader(s) // a body that is not JSON, given as a string
			} else {
				body = strings.NewReader(string(c.Body))
			}
		}
		req, _ := http.NewRequest(c.Method, ts.URL+c.Path, body)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", c.Name, ct)
		}
		if *update {
			cases[i].Code = resp.StatusCode
			cases[i].Response = json.RawMessage(strings.TrimSpace(string(got)))
			continue
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Errorf("%s: answer is not JSON: %v\n%s", c.Name, err, got)
			continue
		}
		json.Unmarshal(c.Response, &w)
		if resp.StatusCode != c.Code || !sameJSON(g, w) {
			t.Errorf("%s: %s %s\ngot  %d %s\nwant %d %s", c.Name, c.Method, c.Path, resp.StatusCode, got, c.Code, c.Response)
		}
	}
	if *update {
		b, err := json.MarshalIndent(cases, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/golden.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sameJSON compares decoded JSON values, numbers to 1e-5 relative.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Abs(x-y) <= 1e-5*(1+math.Abs(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !sameJSON(v, y[k]) {
				return false
			}
		}
		return true
	}
	return fmt.Sprint(a) == fmt.Sprint(b) && fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
}
