package main

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// modelRank is the rank of m's input, batch axis included (2 for an
// Embedding's token ids or a Dense layer's features, 3 for a Conv1D's
// (samples, steps, channels)); 0 when unknown (no model yet, several
// inputs, or no input shape), and arrays are then read as a Conv1D reads
// them.
func modelRank(m *model.Model) int {
	if m == nil || !m.Built() {
		return 0
	}
	in := m.InputShapes()
	if len(in) != 1 {
		return 0
	}
	return len(in[0]) + 1
}

// isSparseLoss says whether loss takes class indices (the sparse
// categorical losses), so that y holds class labels as with --classes.
func isSparseLoss(loss string) bool {
	return strings.HasPrefix(strings.ToLower(loss), "sparse_categorical")
}

// perStepRows turns a per-step output y (N, steps, C) into N×steps rows of
// C values, sample-major, named by their sample and numbered by step: the
// layout of a per-step model's CSV and JSONL predictions.
func perStepRows(y *tensor.Tensor, rows []string) (*tensor.Tensor, []string, []int) {
	n, steps := y.Shape[0], y.Shape[1]
	flat := tensor.FromSlice(y.Data, n*steps, y.Shape[2])
	names := make([]string, 0, n*steps)
	idx := make([]int, 0, n*steps)
	for i := 0; i < n; i++ {
		name := strconv.Itoa(i)
		if i < len(rows) {
			name = rows[i]
		}
		for s := 0; s < steps; s++ {
			names = append(names, name)
			idx = append(idx, s)
		}
	}
	return flat, names, idx
}

// dataForModel sets how training arrays are read for the model given with
// --model: in its input rank, and y as class labels when the loss is a
// sparse one (class indices), as --classes does.
func (t *trainer) dataForModel() {
	d := &t.c.Data
	d.rank = modelRank(t.m)
	if d.rank == 0 && t.m != nil {
		d.rank = unbuiltRank(t.c.Model)
	}
	if isSparseLoss(t.c.Loss) {
		if kind, err := d.kindOf(); err == nil && kind == pipeline.KindNPY {
			d.Classes = true
		}
	}
}

// defaultLossFor is the task's default loss for m: binary cross-entropy
// for two classes, except for a model that gives one probability per
// class (a two-unit softmax, on the last axis), which takes the sparse
// categorical cross-entropy as Keras users train it.
func defaultLossFor(m *model.Model, task string) string {
	if task == pipeline.TaskBinary && m.Built() {
		if out := m.OutputShapes(); len(out) == 1 && len(out[0]) > 0 && out[0][len(out[0])-1] == 2 {
			return "sparse_categorical_crossentropy"
		}
	}
	return defaultLoss(task)
}

// unbuiltRank is the input rank of a Keras Sequential model.to_json() at
// path saved without an input shape, from its first layer: 2 for an
// Embedding (token ids) or Dense, which Keras builds from the data as
// given; 0 (a 2-D x gets a channel axis) otherwise.
func unbuiltRank(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var j struct {
		Config struct {
			Layers []struct {
				ClassName string `json:"class_name"`
			} `json:"layers"`
		} `json:"config"`
	}
	if json.Unmarshal(b, &j) != nil || len(j.Config.Layers) == 0 {
		return 0
	}
	switch j.Config.Layers[0].ClassName {
	case "Embedding", "Dense":
		return 2
	}
	return 0
}
