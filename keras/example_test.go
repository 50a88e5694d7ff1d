package keras_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
)

// Read a model Keras 3 wrote with model.to_json() and its weights saved
// with numpy.savez(path, *model.get_weights()).
func ExampleReadModelJSON() {
	const js = `{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
	  {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 50, 1], "dtype": "float32", "name": "input_layer"}, "registered_name": null},
	  {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv1d", "filters": 8, "kernel_size": [5], "activation": "relu",
	     "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}}, "registered_name": null},
	  {"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten"}, "registered_name": null},
	  {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 1}, "registered_name": null}]}}`
	m, err := keras.ReadModelJSON(strings.NewReader(js))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range m.Layers() {
		fmt.Println(l.Common().Name, l.ClassName())
	}
	fmt.Println("output shape:", m.OutputShapes()[0])
	// Then: keras.LoadWeightsNPZ("weights.npz", m)
	// Output:
	// conv1d Conv1D
	// flatten Flatten
	// dense Dense
	// output shape: [1]
}

// Export a seqnet model for Keras: model.json for
// keras.models.model_from_json and weights.npz for model.set_weights.
func ExampleWriteModelJSON() {
	m, _ := model.NewSequential(layers.Input(50, 1),
		layers.NewConv1D(8, 5, layers.ConvActivation("relu")),
		layers.NewFlatten(),
		layers.NewDense(1, "sigmoid"))
	dir, _ := os.MkdirTemp("", "export")
	defer os.RemoveAll(dir)
	f, _ := os.Create(filepath.Join(dir, "model.json"))
	if err := keras.WriteModelJSON(f, m); err != nil {
		fmt.Println(err)
	}
	f.Close()
	if err := keras.WriteWeightsNPZ(filepath.Join(dir, "weights.npz"), m); err != nil {
		fmt.Println(err)
	}
	w, _ := keras.ReadWeightsNPZ(filepath.Join(dir, "weights.npz"))
	fmt.Println(len(w), "weight arrays; first", w[0].Shape)
	// Output:
	// 4 weight arrays; first [5 1 8]
}

// Read a whole model that Keras saved with model.save("model.keras") (or,
// Keras 2, model.save("model.h5")): architecture and weights in one file.
func ExampleReadModelFile() {
	m, info, err := keras.ReadModelFile(filepath.Join("testdata", "kerasfiles", "convbn.keras"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s file from Keras %s: %d weight arrays\n", info.Format, info.KerasVersion, info.Weights)
	if info.OptimizerState {
		fmt.Println("the optimizer state in the file is not imported")
	}
	for _, l := range m.Layers() {
		fmt.Println(l.Common().Name, l.ClassName())
	}
	// Output:
	// keras file from Keras 3.8.0: 10 weight arrays
	// the optimizer state in the file is not imported
	// conv1d Conv1D
	// batch_normalization BatchNormalization
	// max_pooling1d MaxPooling1D
	// flatten Flatten
	// dense Dense
	// dense_1 Dense
}

// Build a model from its config with known weights (a loader's case): no
// weight is drawn at random first, and weights that do not fit the
// architecture are refused.
func ExampleFromConfigWeights() {
	src, _ := model.NewSequential(layers.Input(6, 1), layers.NewConv1D(2, 3), layers.NewFlatten(), layers.NewDense(1, ""))
	var js strings.Builder
	keras.WriteModelJSON(&js, src)
	var top map[string]any
	json.Unmarshal([]byte(js.String()), &top)
	w, _ := keras.KerasWeights(src)

	m, err := keras.FromConfigWeights(top, w)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same weights:", slices.Equal(m.Weights()[0].Data, src.Weights()[0].Data))
	_, err = keras.FromConfigWeights(top, w[:3])
	fmt.Println(err)
	// Output:
	// same weights: true
	// keras: the weights do not fit the architecture: the model has 4 weight arrays, received 3: the weights must come from a model with the same layers (Keras model.get_weights())
}
