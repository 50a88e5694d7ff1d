package serve

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/pipeline"
)

// awkward strings for labels, names and texts: JSON escapes, HTML
// characters encoding/json escapes, non-ASCII, invalid UTF-8, U+2028.
var awkward = []string{"spam", "ham", "", "a b", `q"uote`, `back\slash`, "<b>&", "<", ">x", "&", "tab\there", "nl\n", "\x00\x1f", "é", "日本", "🙂", "\xff", "\u2028", "~", "Z", "a"}

// TestFastJSONMatchesEncodingJSON: the hand-written answer is byte for
// byte what json.Marshal writes for {"predictions": tfRows()}.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	pick := func() string { return awkward[rng.IntN(len(awkward))] }
	value := func() float64 {
		switch rng.IntN(8) {
		case 0:
			return math.NaN()
		case 1:
			return math.Inf(-1)
		case 2:
			return 1e39 // not a float32: null
		case 3:
			return 1e-7
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-6))
	}
	for trial := range 500 {
		var p pipeline.Pipeline
		k := 1 + rng.IntN(4)
		names := make([]string, k)
		for j := range names {
			names[j] = pick() // repeats happen: the map keeps the last
		}
		classify := trial%2 == 0
		if classify {
			p.Labels = data.NewLabelMap(names)
			k = len(p.Classes()) // the label map keeps each name once
		} else if rng.IntN(2) == 0 {
			p.Outputs = names
		}
		a := &answer{lm: &loaded{p: &p}, rowName: []string{"index", "", "target_row", "row", "label", "zzz", "values", "aaa"}[rng.IntN(8)]}
		for range 1 + rng.IntN(3) {
			q := pipeline.Prediction{Row: pick(), Label: pick()}
			for range k {
				if classify {
					q.Probabilities = append(q.Probabilities, value())
				} else {
					q.Values = append(q.Values, value())
				}
			}
			a.preds = append(a.preds, q)
		}
		want, err := json.Marshal(map[string]any{"predictions": a.tfRows()})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := a.appendTFRows(nil)
		if !ok {
			if a.rowName != "label" && a.rowName != "values" {
				t.Fatalf("row name %q: fast path refused", a.rowName)
			}
			continue
		}
		if string(got) != string(want) {
			t.Fatalf("answer\n got %s\nwant %s", got, want)
		}
	}
}

// TestTextInstancesMatchesEncodingJSON: the hand-read body gives what the
// general decoder gives, or is left to it.
func TestTextInstancesMatchesEncodingJSON(t *testing.T) {
	bodies := []string{
		`{"instances": ["a b", "c"]}`, "{\n\t\"instances\" :[ \"x\" , \"é 日本\" ] }\r\n", `{"instances":["<b>&~"]}`,
		`{"instances": []}`, `{"instances": ["a\"b"]}`, `{"instances": ["a\nb"]}`, "{\"instances\": [\"\xff\"]}", "{\"instances\": [\"a\tb\"]}",
		`{"instances": ["a"], "instances": ["b"]}`, `{"instances": ["a"]} {}`, `{"instances": ["a"]`, `{"instances": ["a",]}`, `{"Instances": ["a"]}`,
		`{"instances": [1, 2]}`, `{"instances": ["a", 1]}`, `{"inputs": ["a"]}`, `{"instances": ["a"]}x`, ` {"instances":["\u00e9"]} `,
	}
	for _, b := range bodies {
		list, ok := textInstances([]byte(b))
		if !ok {
			continue
		}
		var v struct{ Instances []any }
		if err := json.Unmarshal([]byte(b), &v); err != nil || !reflect.DeepEqual(anys(list), v.Instances) {
			t.Errorf("textInstances(%q) = %q, encoding/json %q (%v)", b, list, v.Instances, err)
		}
	}
	for _, b := range []string{`{"instances": ["a b", "c"]}`, "{\n\t\"instances\" :[ \"x\" , \"é 日本\" ] }\r\n"} {
		if _, ok := textInstances([]byte(b)); !ok {
			t.Errorf("textInstances(%q) left to the general decoder", b)
		}
	}
	for _, b := range []string{`{"instances": ["a\"b"]}`, "{\"instances\": [\"\xff\"]}", `{"instances": ["a"]} {}`, `{"Instances": ["a"]}`, `{"instances": ["a",]}`} {
		if _, ok := textInstances([]byte(b)); ok {
			t.Errorf("textInstances(%q) accepted: it must be left to the general decoder", b)
		}
	}
}

// FuzzTextInstances: a body the hand-written reader accepts gives the list
// encoding/json gives.
//
//	go test -fuzz=FuzzTextInstances -fuzztime 400000x ./serve
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzTextInstances(f *testing.F) {
	f.Add([]byte(`{"instances": ["a b", "c"]}`))
	f.Add([]byte(`{"instances":["\u00e9"]}`))
	f.Add([]byte("{\"instances\": [\"\xff\"]}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		list, ok := textInstances(b)
		if !ok {
			return
		}
		var v struct{ Instances []any }
		d := json.NewDecoder(bytes.NewReader(b))
		if err := d.Decode(&v); err != nil || d.More() || !reflect.DeepEqual(anys(list), v.Instances) {
			t.Fatalf("textInstances(%q) = %q, encoding/json %q (%v)", b, list, v.Instances, err)
		}
	})
}

// anys is texts as encoding/json decodes a list of strings into []any.
func anys(texts []string) []any {
	out := make([]any, len(texts))
	for i, s := range texts {
		out[i] = s
	}
	return out
}

// TestPlainText: the eight-bytes-at-a-time check answers as a byte-by-byte
// one for every byte value at every position of a word and in the tail,
// and on random strings.
func TestPlainText(t *testing.T) {
	slow := func(s []byte) bool {
		for _, c := range s {
			if c < 0x20 || c == '\\' {
				return false
			}
		}
		return utf8.Valid(s)
	}
	check := func(s []byte) {
		if got, want := plainText(s), slow(s); got != want {
			t.Fatalf("plainText(%q) = %v, want %v", s, got, want)
		}
	}
	for n := 0; n <= 19; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				for _, fill := range []byte{'a', 0x7f, ' ', '~', 0x21, 0x5b, 0x5d} {
					s := bytes.Repeat([]byte{fill}, n)
					s[at] = byte(c)
					check(s)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("ab \\\x00\x1f\x20\x7f\x80\xc3\xa9\xe6\x97\xa5\xff!\"[]")
	for range 200000 {
		s := make([]byte, rng.IntN(40))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		check(s)
	}
}
