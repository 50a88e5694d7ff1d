package serve

import (
	"testing"

	"github.com/seqnet/seqnet/pipeline"
)

// FuzzDecode feeds arbitrary bodies to both protocols' request decoders
// and, when a body decodes, to the pipeline that reads it, for the text
// classifier and the forecaster: nothing may panic, and every error must
// be a client error (4xx), never a server failure. The corpus is in
// testdata/fuzz/FuzzDecode; run longer with
//
//	go test ./serve -run '^$' -fuzz FuzzDecode -fuzztime 250000x
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"instances": ["free money", {"subject": "hi"}]}`,
		`{"inputs": ["a", "b"]}`,
		`{"instances": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]}`,
		`{"instances": [[{"temp_max": 1, "temp_min": 2, "precipitation": 0, "wind": 3}]]}`,
		`{"inputs": {"temp_max": [1, 2], "temp_min": [1, 2], "precipitation": [0, 0], "wind": [1, 1]}}`,
		`{"inputs": [{"name": "subject", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}`,
		`{"inputs": [{"name": "input", "shape": [1, 7, 4], "datatype": "FP32", "data": [[[1,2,3,4]]]}]}`,
		`{"inputs": [{"name": "wind", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]}`,
		`{"instances": [[[1], [2, 3]]]}`,
		`[1, 2]`, `null`, `{"instances": null}`, `{"inputs": {"x": 1}}`,
	} {
		f.Add([]byte(s))
	}
	var readers []*loaded
	for _, path := range []string{spamModel, weatherModel} {
		m, p, err := pipeline.Load(path)
		if err != nil {
			f.Fatal(err)
		}
		lm := &loaded{m: m, p: p, r: reader{p: p, in: m.InputShapes()[0], maxInstances: 64}}
		readers = append(readers, lm)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, lm := range readers {
			for _, decode := range []func(*reader, []byte) (*request, error){(*reader).decodeTF, (*reader).decodeV2} {
				req, err := decode(&lm.r, body)
				if err != nil {
					if code := errorStatus(err); code != 400 && code != 413 {
						t.Fatalf("decoding %q: status %d for %v", body, code, err)
					}
					continue
				}
				if req.n > 64 {
					t.Fatalf("decoding %q: %d instances passed the limit of 64", body, req.n)
				}
				x, _, rows, err := inputs(lm, req)
				if err != nil {
					if code := errorStatus(err); code != 400 && code != 413 {
						t.Fatalf("reading %q: status %d for %v", body, code, err)
					}
					continue
				}
				if x.Shape[0] != len(rows) || x.Shape[0] != req.n {
					t.Fatalf("reading %q: %v inputs for %d rows, %d instances", body, x.Shape, len(rows), req.n)
				}
			}
		}
	})
}
