package serve

import (
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
