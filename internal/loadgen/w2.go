package loadgen

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
)

// W2Model writes the W2 benchmark's text CNN with a text pipeline of
// a 20,000-entry vocabulary (random weights) to dir, and 512 texts of 256
// words from it: the model of the serving benchmarks.
func W2Model(dir string) (path string, texts []string, err error) {
	emb, err := layers.FromConfig("Embedding", layers.Config{"input_dim": 20000, "output_dim": 128})
	if err != nil {
		return "", nil, err
	}
	pool, err := layers.FromConfig("GlobalMaxPooling1D", nil)
	if err != nil {
		return "", nil, err
	}
	m, err := model.NewSequential(layers.Input(256), emb, layers.NewConv1D(128, 5, layers.ConvActivation("relu")), pool, layers.NewDense(1, "sigmoid"))
	if err != nil {
		return "", nil, err
	}
	vec := data.NewTextVectorizer(20000, 256)
	words := make([]string, 19998)
	for i := range words {
		words[i] = "w" + strconv.Itoa(i)
	}
	if err := vec.SetVocabulary(words); err != nil {
		return "", nil, err
	}
	p := &pipeline.Pipeline{Format: pipeline.Format, Kind: pipeline.KindText, Task: pipeline.TaskBinary, TextColumn: "text",
		Labels: data.NewLabelMap([]string{"ham", "spam"}), Vectorizer: vec}
	pre, err := json.Marshal(p)
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, "w2.seqnet")
	if err := checkpoint.Save(path, m, checkpoint.Extra{Preprocessing: pre}); err != nil {
		return "", nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 512 {
		var t strings.Builder
		for j := range 256 {
			if j > 0 {
				t.WriteByte(' ')
			}
			t.WriteString(words[rng.IntN(len(words))])
		}
		texts = append(texts, t.String())
	}
	return path, texts, nil
}
