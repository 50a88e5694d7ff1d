// Package keras reads and writes Keras model files: the architecture JSON
// of model.to_json() and weights saved with numpy.savez(path,
// *model.get_weights()).
//
// Import, from Python:
//
//	open("model.json", "w").write(model.to_json())
//	numpy.savez("weights.npz", *model.get_weights())
//
// then in Go:
//
//	f, _ := os.Open("model.json")
//	m, err := keras.ReadModelJSON(f)        // Keras 2.x or 3.x, Sequential or Functional
//	err = keras.LoadWeightsNPZ("weights.npz", m)
//
// Whole saved models are read by ReadModelFile: a Keras 3 .keras file
// (model.save("model.keras")) or a Keras 2 .h5 file (model.save("model.h5")):
//
//	m, info, err := keras.ReadModelFile("model.keras")
//
// Every weight array the config implies must be found with its shape, or
// the file is refused; the optimizer state such files may hold is not
// imported. HDF5 is read in pure Go by github.com/scigolib/hdf5, which
// cannot list every group of files written with h5py's libver='latest':
// such a file is refused rather than imported with weights missing.
//
// Export is the reverse: WriteModelJSON writes Keras 3 JSON that
// keras.models.model_from_json accepts, and WriteWeightsNPZ writes the
// weights in get_weights() order:
//
//	model = keras.models.model_from_json(open("model.json").read())
//	model.set_weights(list(numpy.load("weights.npz").values()))
//
// Weight order. Keras lists a functional model's layers (and so its
// get_weights()) by decreasing depth from the outputs; seqnet's
// model.Params follows its own topological walk, which can differ for
// branching graphs. KerasWeights and SetWeights convert between the two;
// for Sequential models they equal m.Weights and m.SetWeights.
//
// Limits: shapes must be fixed per sample (an Input of shape (None, 8) is
// refused); layers are called on tensors only (no call keyword
// arguments); nested models are refused as unsupported layers.
//
// The layer graph is read through model.Graph.
package keras
