package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/seqnet/seqnet/model"
)

// fuzzSeeds are valid files and a few broken ones.
func fuzzSeeds(t testing.TB) [][]byte {
	good := validFile(t)
	fn, err := Encode(twoHeads(t, 1), Extra{})
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{good, fn, good[:len(good)/2], good[:headerLen+3], []byte(`{"class_name": "Sequential"}`), nil, esValidFile(t)}
}

// esValidFile is validFile with early stopping's sections.
func esValidFile(tb testing.TB) []byte {
	m, extra, err := Decode(validFile(tb))
	if err != nil {
		tb.Fatal(err)
	}
	best := m.Weights()
	for _, w := range best {
		for i := range w.Data {
			w.Data[i] /= 2
		}
	}
	extra.EarlyStopping = &model.EarlyStoppingState{Monitor: "val_loss", Best: 0.5, BestEpoch: 0, Wait: 1, BestWeights: best}
	b, err := Encode(m, extra)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzLoad: Decode never panics, and what it accepts encodes and decodes
// again.
//
//	go test -run XXX -fuzz=FuzzLoad -fuzztime 200000x -fuzzminimizetime=2s ./checkpoint
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
//
// (The seeds are whole model files; the default minimisation time of 60 s
// per new input makes the fuzzer look stuck.)
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, extra, err := Decode(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		again, err := Encode(m, extra)
		if err != nil {
			t.Fatalf("an accepted file does not save again: %v", err)
		}
		if _, _, err := Decode(again); err != nil {
			t.Fatalf("a re-saved file does not load: %v", err)
		}
	})
}

// TestWriteFuzzCorpus rewrites testdata/fuzz/FuzzLoad when
// SEQNET_WRITE_CORPUS=1 (after a format change).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("SEQNET_WRITE_CORPUS") != "1" {
		t.Skip("set SEQNET_WRITE_CORPUS=1 to rewrite testdata/fuzz/FuzzLoad")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzSections replaces one section of a valid file by fuzzed bytes and
// re-frames it with valid checksums, so that the section parsers (weights,
// optimizer slots, compile, training, early stopping) are reached; Decode must never
// panic. The architecture section is left alone: a fuzzed layer config
// can legitimately ask for gigabytes of weights.
//
//	go test -run XXX -fuzz=FuzzSections -fuzztime 75000x -fuzzminimizetime=2s ./checkpoint
//
// (A count of executions, about a minute on a 2-core machine, not a
// duration: Go 1.26 can end a clean timed run with exit status 1,
// go.dev/issue/75804; see scripts/fuzz.sh.)
func FuzzSections(f *testing.F) {
	good := esValidFile(f)
	secs, err := decodeFile(good)
	if err != nil {
		f.Fatal(err)
	}
	for i, s := range secs {
		f.Add(uint8(i), s.payload)
		if len(s.payload) > 8 {
			f.Add(uint8(i), s.payload[:len(s.payload)-5])
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		i := int(which) % len(secs)
		if secs[i].name == "architecture" {
			return
		}
		mod := append([]section(nil), secs...)
		mod[i] = section{secs[i].name, payload}
		Decode(encodeFile(mod))
	})
}
