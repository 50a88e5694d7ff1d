package model

import (
	"fmt"

	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/tensor"
)

// MaxMemory bounds, in bytes, the memory seqnet lets one model take before
// it allocates it: the weights (with their gradients and optimizer slots
// when training) and the activations of a batch. Building, fitting or
// predicting beyond it is an error that gives the counts, instead of a
// process that grows until the machine runs out of memory. The default is
// 4 GiB; raise it for larger models. It is read at each of those calls,
// so a program sets it once before it builds or loads its models.
var MaxMemory int64 = 4 << 30

// footprint counts a built or counted model: weight values (all and
// trainable) and activation values per sample (every node's outputs).
func (m *Model) footprint() (params, trainable, act int) {
	seen := map[layers.Layer]bool{}
	for _, n := range m.nodes {
		if !seen[n.layer] {
			seen[n.layer] = true
			params += n.params
			trainable += n.trainable
		}
		for _, s := range n.outShapes {
			act += tensor.Size(s)
		}
	}
	return params, trainable, act
}

// checkMemory refuses work on batches of batch samples whose estimated
// memory exceeds MaxMemory. Training holds each weight's value, gradient
// and up to two optimizer slots, and each activation's value and gradient;
// inference the weights and the activations. (Inference may also keep
// folded embedding tables, only when they fit beside these: foldsFit.)
func (m *Model) checkMemory(what string, batch int, training bool) error {
	weights, acts, params, act := m.memoryNeed(batch, training)
	if need := weights + acts; need > float64(MaxMemory) {
		return fmt.Errorf("%s: the model would need about %s (%d weights: %s; %d activation values per sample × batch %d: %s), above the limit of %s: "+
			"make the layers smaller (fewer filters or units, shorter inputs), lower the batch size, or raise the limit (model.MaxMemory)",
			what, bytesString(need), params, bytesString(weights), act, batch, bytesString(acts), bytesString(float64(MaxMemory)))
	}
	return nil
}

// memoryNeed estimates the bytes of the weights and of the activations of
// work on batches of batch samples (see checkMemory), from the counts of
// weight values and of activation values per sample.
func (m *Model) memoryNeed(batch int, training bool) (weights, acts float64, params, act int) {
	params, trainable, act := m.footprint()
	weights = 4 * float64(params)
	acts = 4 * float64(act) * float64(batch)
	if training {
		weights += 12 * float64(trainable)
		acts *= 2
	}
	return weights, acts, params, act
}

// foldsFit reports whether the folded tables of cps (up to 64 MB each,
// kept while the model lives) fit within MaxMemory beside the weights and
// the activations of inference on batches of batch samples. The fold only
// makes inference faster: a model whose tables do not fit runs its layers
// instead of failing.
func (m *Model) foldsFit(cps []convPool, batch int) bool {
	weights, acts, _, _ := m.memoryNeed(batch, false)
	tables := 0.0
	for _, cp := range cps {
		if cp.fold != nil {
			tables += float64(cp.fold.TableBytes())
		}
	}
	return weights+acts+tables <= float64(MaxMemory)
}

// bytesString prints a size in B, KiB, MiB, GiB or TiB.
func bytesString(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}
