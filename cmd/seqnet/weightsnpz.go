package main

import (
	"archive/zip"

	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/model"
)

// loadKerasWeights loads --weights (numpy.savez of model.get_weights())
// into m. numpy.savez(path) of a model without weights (only Flatten or
// pooling layers) writes an archive with no arrays: that is the model's
// whole get_weights(), so it is accepted when the model has no weights
// and refused, with the number expected, when it has some.
func loadKerasWeights(path string, m *model.Model) error {
	if err := checkFile("--weights", path); err != nil {
		return err
	}
	if isEmptyZip(path) {
		if n := len(m.Weights()); n > 0 {
			return userErr("--weights %s: the .npz holds no arrays, but the model has %d weight arrays: save them with numpy.savez(path, *model.get_weights())", path, n)
		}
		return nil
	}
	if err := keras.LoadWeightsNPZ(path, m); err != nil {
		return userErr("--weights %s: %v", path, err)
	}
	return nil
}

// isEmptyZip reports whether path is a zip archive (a .npz) without
// entries.
func isEmptyZip(path string) bool {
	r, err := zip.OpenReader(path)
	if err != nil {
		return false
	}
	defer r.Close()
	return len(r.File) == 0
}
