package data

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/tensor"
)

// WordVectors are pre-trained word embeddings read from a text file.
type WordVectors struct {
	Format  string    // "glove" or "word2vec"
	Dim     int       // values per word
	Words   []string  // in file order
	Vectors []float32 // len(Words) × Dim
	index   map[string]int
}

// maxVectorDim bounds the dimension read from a file (real ones are ≤ 1000).
const maxVectorDim = 1 << 16

// ReadWordVectors reads GloVe text format ("word v1 v2 ... vD" per line) or
// word2vec text format (the same after a header line "count dim"); the
// format is detected from the first line. Words may contain spaces: the last
// Dim fields of a line are the vector. A word seen twice keeps its first
// vector.
func ReadWordVectors(r io.Reader) (*WordVectors, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	wv := &WordVectors{Format: "glove", index: map[string]int{}}
	line := 0
	expectCount := -1
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), " \r\t")
		if line == 1 {
			text = strings.TrimPrefix(text, "\xef\xbb\xbf")
		}
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		if line == 1 && len(f) == 2 {
			c, err1 := strconv.Atoi(f[0])
			d, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil {
				if c < 0 || d < 1 || d > maxVectorDim {
					return nil, fmt.Errorf("word2vec header %q is invalid: expected \"count dim\" with dim between 1 and %d", text, maxVectorDim)
				}
				wv.Format, wv.Dim, expectCount = "word2vec", d, c
				continue
			}
		}
		if wv.Dim == 0 {
			if len(f) < 2 {
				return nil, fmt.Errorf("line %d: %q is not a word vector: expected \"word v1 v2 ...\" (GloVe) or a \"count dim\" header (word2vec)", line, shorten(text))
			}
			wv.Dim = len(f) - 1
			if wv.Dim > maxVectorDim {
				return nil, fmt.Errorf("line %d has %d values: more than %d is not a word-vector file", line, wv.Dim, maxVectorDim)
			}
		}
		if len(f) < wv.Dim+1 {
			return nil, fmt.Errorf("line %d has %d fields: expected a word and %d values (as on the first line)", line, len(f), wv.Dim)
		}
		word := strings.Join(f[:len(f)-wv.Dim], " ")
		vals := f[len(f)-wv.Dim:]
		start := len(wv.Vectors)
		for k, s := range vals {
			x, err := strconv.ParseFloat(s, 32)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				wv.Vectors = wv.Vectors[:start]
				return nil, fmt.Errorf("line %d (word %q): value %d %q is not a finite number", line, shorten(word), k+1, shorten(s))
			}
			wv.Vectors = append(wv.Vectors, float32(x))
		}
		if _, dup := wv.index[word]; dup {
			wv.Vectors = wv.Vectors[:start]
			continue
		}
		wv.index[word] = len(wv.Words)
		wv.Words = append(wv.Words, word)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading word vectors after line %d: %w", line, err)
	}
	if len(wv.Words) == 0 {
		return nil, errors.New("word-vector file has no vectors: expected lines \"word v1 v2 ...\"")
	}
	if expectCount >= 0 && expectCount != len(wv.Words) {
		return nil, fmt.Errorf("word2vec header announces %d words but %d were read: the file may be truncated", expectCount, len(wv.Words))
	}
	return wv, nil
}

// Vector returns the vector of word, or nil.
func (wv *WordVectors) Vector(word string) []float32 {
	i, ok := wv.index[word]
	if !ok {
		return nil
	}
	return wv.Vectors[i*wv.Dim : (i+1)*wv.Dim]
}

// EmbeddingMatrix is a (vocab_size, dim) matrix aligned to a vocabulary,
// ready to initialise an Embedding layer.
type EmbeddingMatrix struct {
	Matrix  *tensor.Tensor // (len(vocabulary), Dim); rows of missing words are 0
	Found   int            // vocabulary words that have a vector
	Missing int            // vocabulary words without one (padding and [UNK] not counted)
	// MissingWords lists up to 20 missing words, most frequent first when the
	// vocabulary is ordered by frequency.
	MissingWords []string
}

// Describe says how much of the vocabulary was covered.
func (e *EmbeddingMatrix) Describe() string {
	total := e.Found + e.Missing
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(e.Found) / float64(total)
	}
	s := fmt.Sprintf("embedding matrix %s: %d of %d words found (%.1f%%), %d missing",
		tensor.ShapeString(e.Matrix.Shape, false), e.Found, total, pct, e.Missing)
	if len(e.MissingWords) > 0 {
		s += " (e.g. " + strings.Join(e.MissingWords[:min(5, len(e.MissingWords))], ", ") + ")"
	}
	return s
}

// Align builds the embedding matrix of a vocabulary (e.g.
// TextVectorizer.Vocabulary): row i is the vector of vocabulary[i], zeros
// when the word has none. The padding ("") and [UNK] rows are zeros and not
// counted.
func (wv *WordVectors) Align(vocabulary []string) *EmbeddingMatrix {
	e := &EmbeddingMatrix{Matrix: tensor.New(len(vocabulary), wv.Dim)}
	for i, w := range vocabulary {
		if w == PadToken || w == OOVToken {
			continue
		}
		v := wv.Vector(w)
		if v == nil {
			e.Missing++
			if len(e.MissingWords) < 20 {
				e.MissingWords = append(e.MissingWords, w)
			}
			continue
		}
		e.Found++
		copy(e.Matrix.Data[i*wv.Dim:], v)
	}
	return e
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
