package checkpoint

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Early stopping's progress (Extra.EarlyStopping) is stored in two
// optional sections, written only when given, so that files without them
// read as before and older readers, which skip sections they do not know,
// still read the rest:
//
//	early_stopping          JSON {"version": 1, "monitor", "best",
//	                        "best_epoch", "wait", "best_weights" (bool)}
//	early_stopping_weights  the best epoch's weights, laid out as the
//	                        weights section; present when best_weights
//
// The section's own version lets a later layout be refused with a clear
// message rather than misread.
const earlyStoppingVersion = 1

// earlyStoppingJSON is the early_stopping section.
type earlyStoppingJSON struct {
	Version     int       `json:"version"`
	Monitor     string    `json:"monitor"`
	Best        jsonFloat `json:"best"`
	BestEpoch   int       `json:"best_epoch"`
	Wait        int       `json:"wait"`
	BestWeights bool      `json:"best_weights"`
}

// earlyStoppingSections encodes es for model m; perm is the file's weight
// order (keras.WeightOrder).
func earlyStoppingSections(m *model.Model, es *model.EarlyStoppingState, perm []int) ([]section, error) {
	js := earlyStoppingJSON{Version: earlyStoppingVersion, Monitor: es.Monitor, Best: jsonFloat(es.Best),
		BestEpoch: es.BestEpoch, Wait: es.Wait, BestWeights: es.BestWeights != nil}
	b, err := json.Marshal(js)
	if err != nil {
		return nil, fmt.Errorf("early stopping state: %w", err)
	}
	secs := []section{{"early_stopping", b}}
	if es.BestWeights == nil {
		return secs, nil
	}
	params := m.Params()
	if len(es.BestWeights) != len(params) {
		return nil, fmt.Errorf("early stopping state: %d best weights for a model with %d weight arrays", len(es.BestWeights), len(params))
	}
	names := weightNames(m)
	for _, i := range perm {
		p, t := params[i], es.BestWeights[i]
		if !tensor.SameShape(p.Value.Shape, t.Shape) || len(t.Data) != len(p.Value.Data) {
			return nil, fmt.Errorf("early stopping state: best weight %s has shape %v, the model's %v", names[p], t.Shape, p.Value.Shape)
		}
	}
	return append(secs, section{"early_stopping_weights", weightsSection(m, perm, es.BestWeights)}), nil
}

// decodeEarlyStopping reads the early stopping sections of a file whose
// model m is built (nil, nil when the file has none).
func decodeEarlyStopping(m *model.Model, get map[string][]byte) (*model.EarlyStoppingState, error) {
	b, ok := get["early_stopping"]
	wb, hasWeights := get["early_stopping_weights"]
	if !ok {
		if hasWeights {
			return nil, fmt.Errorf("corrupt file: an early_stopping_weights section without its early_stopping section")
		}
		return nil, nil
	}
	var js earlyStoppingJSON
	if err := json.Unmarshal(b, &js); err != nil {
		return nil, fmt.Errorf("corrupt section early_stopping: %w", err)
	}
	if js.Version < 1 || js.Version > earlyStoppingVersion {
		return nil, fmt.Errorf("section early_stopping has version %d: this build reads version 1 to %d (upgrade seqnet to read it)", js.Version, earlyStoppingVersion)
	}
	if js.BestEpoch < 0 || js.Wait < 0 || math.IsNaN(float64(js.Best)) {
		return nil, fmt.Errorf("corrupt section early_stopping: best epoch %d, wait %d, best %g", js.BestEpoch, js.Wait, float64(js.Best))
	}
	if js.BestWeights != hasWeights {
		return nil, fmt.Errorf("corrupt file: section early_stopping says best_weights %v but the early_stopping_weights section is %s", js.BestWeights, map[bool]string{true: "there", false: "missing"}[hasWeights])
	}
	es := &model.EarlyStoppingState{Monitor: js.Monitor, Best: float64(js.Best), BestEpoch: js.BestEpoch, Wait: js.Wait}
	if !hasWeights {
		return es, nil
	}
	ws, err := decodeWeightsSection("early_stopping_weights", wb)
	if err != nil {
		return nil, err
	}
	if es.BestWeights, err = modelOrder(m, ws); err != nil {
		return nil, fmt.Errorf("corrupt section early_stopping_weights: %w", err)
	}
	return es, nil
}

// modelOrder puts weights read in the file's order into Model.Weights'
// order, checking their count and shapes against m.
func modelOrder(m *model.Model, ws []*tensor.Tensor) ([]*tensor.Tensor, error) {
	params := m.Params()
	if len(ws) != len(params) {
		return nil, fmt.Errorf("%d arrays for a model with %d", len(ws), len(params))
	}
	perm, err := keras.WeightOrder(m)
	if err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, len(ws))
	for j, i := range perm {
		if !tensor.SameShape(params[i].Value.Shape, ws[j].Shape) {
			return nil, fmt.Errorf("array %d has shape %v, the model's weight %v", j, ws[j].Shape, params[i].Value.Shape)
		}
		out[i] = ws[j]
	}
	return out, nil
}
