package checkpoint_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Save a trained model with its preprocessing settings, load it, and
// resume training where it stopped.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	x, y := tensor.New(40, 16, 1), tensor.New(40, 1)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for i := range y.Data {
		y.Data[i] = x.Data[i*16] + x.Data[i*16+1]
	}
	m, _ := model.NewSequential(layers.Input(16, 1),
		layers.NewConv1D(4, 3, layers.ConvActivation("relu")),
		layers.NewFlatten(),
		layers.NewDense(1, ""))
	m.Seed = 7
	m.Compile(model.CompileOptions{OptimizerName: "adam", LossName: "mse"})
	hist, _ := m.Fit(x, y, model.FitOptions{Epochs: 3, BatchSize: 8})

	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.seqnet")
	pre := json.RawMessage(`{"window": 16, "scaler": {"mean": 0, "std": 1}}`)
	if err := checkpoint.Save(path, m, checkpoint.Extra{Preprocessing: pre, History: hist}); err != nil {
		fmt.Println(err)
		return
	}

	loaded, extra, err := checkpoint.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("epochs done:", extra.Epoch)
	fmt.Println("preprocessing:", string(extra.Preprocessing))
	a, _ := m.Predict(x, 32)
	b, _ := loaded.Predict(x, 32)
	fmt.Println("same predictions:", fmt.Sprint(a.Data) == fmt.Sprint(b.Data))
	more, _ := loaded.Fit(x, y, model.FitOptions{Epochs: 5, BatchSize: 8, Resume: true})
	fmt.Println("resumed epochs:", more.Epochs)

	// A file that is not a model is refused and named as such.
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("hello"), 0o644)
	_, _, err = checkpoint.Load(notes)
	fmt.Println(strings.TrimPrefix(err.Error(), notes+": "))
	// Output:
	// epochs done: 3
	// preprocessing: {"window": 16, "scaler": {"mean": 0, "std": 1}}
	// same predictions: true
	// resumed epochs: [3 4]
	// not a seqnet model file (it starts with "hello")
}
