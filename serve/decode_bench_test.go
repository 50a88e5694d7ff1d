package serve

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/pipeline"
)

// BenchmarkDecodeTF decodes a one-text :predict body of 256 words.
func BenchmarkDecodeTF(b *testing.B) {
	_, p, err := pipeline.Load(spamModel)
	if err != nil {
		b.Fatal(err)
	}
	r := &reader{p: p, in: []int{12}, maxInstances: 1024}
	body := []byte(`{"instances": ["` + strings.Repeat("word ", 256) + `"]}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := r.decodeTF(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTexts vectorizes one text of 256 words (the pipeline's part of
// a request).
func BenchmarkTexts(b *testing.B) {
	_, p, err := pipeline.Load(spamModel)
	if err != nil {
		b.Fatal(err)
	}
	texts := []string{strings.Repeat("Word, ", 256)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := p.Texts(texts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnswerTF writes a one-prediction :predict answer of a binary
// classifier with encoding/json (the general path) and by hand.
func BenchmarkAnswerTF(b *testing.B) {
	_, p, err := pipeline.Load(spamModel)
	if err != nil {
		b.Fatal(err)
	}
	a := &answer{lm: &loaded{p: p}, rowName: "index", preds: []pipeline.Prediction{{Row: "0", Label: "spam", Probabilities: []float64{0.0123, 0.9877}}}}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := json.Marshal(map[string]any{"predictions": a.tfRows()}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf := getBuffer()
			*buf, _ = a.appendTFRows((*buf)[:0])
			putBuffer(buf)
		}
	})
}
