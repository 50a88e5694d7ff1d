// Package checkpoint saves and loads seqnet models as single .seqnet files:
// architecture, weights, optimizer state, compile settings, training
// progress and the caller's preprocessing settings, so that a loaded
// model predicts bit for bit as the saved one did and training can resume.
//
// # File format (version 1)
//
// All integers are little-endian.
//
//	header:  "SEQNET\x00" (7 bytes), format version (uint32)
//	section: name length (uint8, 1..255), name (ASCII),
//	         payload length (uint64), payload,
//	         CRC-32/IEEE (uint32) of everything from the name length to
//	         the end of the payload
//
// Sections follow the header in any order, each at most once, and the
// file ends with an empty section named "end" (so a file cut at a section
// boundary is still found truncated). Readers skip sections they do not
// know. Version 1 writes:
//
//	architecture     the model as Keras 3 model.to_json() JSON (package keras)
//	weights          uint32 count, then per array: name (uint16 length +
//	                 bytes, "layer/weight"), rank (uint8), dims (uint32
//	                 each), float32 values; in Keras get_weights() order
//	compile          JSON {"losses": [{"name", "from_logits", "delta"}], "metrics": […]}
//	optimizer        JSON {"name", "config" (Keras get_config()), "iterations"}
//	optimizer_slots  uint32 param count, then per param (get_weights()
//	                 order): uint32 slot count, per slot uint32 length and
//	                 float32 values
//	training         JSON {"seed", "epoch", "batch", "order", "partial",
//	                 "rng", "history"}: model.TrainingState and Extra.History
//	preprocessing    the caller's JSON, verbatim
//	early_stopping, early_stopping_weights
//	                 early stopping's progress (Extra.EarlyStopping; the
//	                 layout is in earlystop.go)
//
// compile, optimizer and optimizer_slots are present when the model is
// compiled; training always; preprocessing and the early stopping
// sections when given. Files written before the early stopping sections
// existed are still version 1 files: they read with Extra.EarlyStopping
// nil.
//
// A file that is not a seqnet model, is cut short or is damaged is refused
// with an error that says which ("not a seqnet model file (it starts with
// …)", "truncated: section weights needs N bytes, file has M", "checksum
// mismatch in section …"), never a panic; FuzzLoad checks that.
//
// # Resuming training
//
// The training section holds the model's training state
// (model.TrainingState: epochs done, the position inside an interrupted
// epoch with its sample order and partial sums, and the shuffle and
// dropout generator), so that after Load, Fit with FitOptions{Epochs:
// final epoch, Resume: true} continues exactly as uninterrupted training
// would, bit for bit, whether the model was saved between epochs (a
// Callback's OnEpochEnd) or after Stop inside one. Weights, optimizer
// slots and iteration count are restored exactly too. A caller that
// trains with model.EarlyStopping stores its State in Extra.EarlyStopping
// and gives it back as EarlyStopping.Resume, so that early stopping too
// continues as uninterrupted (seqnet train does so when it resumes a run).
package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// Extra is what a model file holds besides the model itself.
type Extra struct {
	// Preprocessing is the caller's own JSON (vocabulary, scalers, window
	// settings, label mapping, …), stored verbatim; nil when absent.
	Preprocessing json.RawMessage
	// Epoch is the number of epochs trained so far. Load sets it from the
	// model's training state; Save ignores it (the model's state is what
	// is saved).
	Epoch int
	// History is the training history so far (nil when none).
	History *model.History
	// Version is the format version of a loaded file.
	Version int
	// EarlyStopping is early stopping's progress in an interrupted run,
	// for model.EarlyStopping.Resume (nil when not stored; files written
	// before it was stored read as nil).
	EarlyStopping *model.EarlyStoppingState
}

// Save writes the model and extra to path atomically (temporary file in
// the same directory, fsync, rename, fsync of the directory).
func Save(path string, m *model.Model, extra Extra) error {
	b, err := Encode(m, extra)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := writeAtomic(path, b); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// Load reads a model file written by Save. The model comes back built,
// with its weights, and compiled with its optimizer state when it was
// compiled.
func Load(path string) (*model.Model, Extra, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, Extra{}, err
	}
	m, extra, err := Decode(b)
	if err != nil {
		return nil, Extra{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, extra, nil
}

// trainingState is the training section.
type trainingState struct {
	Seed    uint64       `json:"seed"`
	Epoch   int          `json:"epoch"`
	Batch   int          `json:"batch"`
	Order   []int        `json:"order,omitempty"`
	Partial []jsonFloat  `json:"partial,omitempty"`
	RNG     []byte       `json:"rng,omitempty"`
	History *historyJSON `json:"history,omitempty"`
}

// historyJSON is model.History with NaN and ±Inf kept (JSON numbers
// cannot hold them).
type historyJSON struct {
	Epochs  []int                  `json:"epochs"`
	Keys    []string               `json:"keys"`
	Metrics map[string][]jsonFloat `json:"metrics"`
}

type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(v)
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	case `"Infinity"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Infinity"`:
		*f = jsonFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = jsonFloat(v)
	}
	return nil
}

func toHistoryJSON(h *model.History) *historyJSON {
	if h == nil {
		return nil
	}
	return &historyJSON{Epochs: h.Epochs, Keys: h.Keys, Metrics: convertMetrics[float64, jsonFloat](h.Metrics)}
}

func fromHistoryJSON(h *historyJSON) *model.History {
	if h == nil {
		return nil
	}
	return &model.History{Epochs: h.Epochs, Keys: h.Keys, Metrics: convertMetrics[jsonFloat, float64](h.Metrics)}
}

// convertMetrics copies a history's metric series between float64 and
// jsonFloat, which writes the non-finite values plain JSON cannot hold.
func convertMetrics[From, To ~float64](in map[string][]From) map[string][]To {
	out := map[string][]To{}
	for k, s := range in {
		fs := make([]To, len(s))
		for i, v := range s {
			fs[i] = To(v)
		}
		out[k] = fs
	}
	return out
}

// weightNames names each weight "layer/weight".
func weightNames(m *model.Model) map[*layers.Param]string {
	names := map[*layers.Param]string{}
	for _, l := range m.Layers() {
		for _, p := range l.Common().Params() {
			names[p] = l.Common().Name + "/" + p.Name
		}
	}
	return names
}

// weightsSection lays out ws, one array per weight of m (ws[i] for
// m.Params()[i], of its shape), in the file's order perm: the count, then
// each array's name, rank, shape and values. The weights section and the
// early stopping's best weights share it.
func weightsSection(m *model.Model, perm []int, ws []*tensor.Tensor) []byte {
	params, names := m.Params(), weightNames(m)
	var w writer
	w.u32(len(perm))
	for _, i := range perm {
		t := ws[i]
		w.str(names[params[i]])
		w.u8(len(t.Shape))
		for _, d := range t.Shape {
			w.u32(d)
		}
		w.floats(t.Data)
	}
	return w.b
}

// Encode returns the bytes Save writes.
func Encode(m *model.Model, extra Extra) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("the model is nil")
	}
	var arch bytes.Buffer
	if err := keras.WriteModelJSON(&arch, m); err != nil {
		return nil, err
	}
	perm, err := keras.WeightOrder(m)
	if err != nil {
		return nil, err
	}
	values := make([]*tensor.Tensor, len(m.Params()))
	for i, p := range m.Params() {
		values[i] = p.Value // written as they are (Weights would copy them)
	}
	secs := []section{{"architecture", arch.Bytes()}, {"weights", weightsSection(m, perm, values)}}

	comp, err := readCompiled(m)
	if err != nil {
		return nil, err
	}
	if comp != nil {
		cs, err := compiledSections(m, comp, perm)
		if err != nil {
			return nil, err
		}
		secs = append(secs, cs...)
	}

	st, rng := m.TrainingState()
	ts := trainingState{Seed: m.Seed, Epoch: st.Epoch, Batch: st.Batch, Order: st.Order, RNG: rng, History: toHistoryJSON(extra.History)}
	for _, v := range st.Partial {
		ts.Partial = append(ts.Partial, jsonFloat(v))
	}
	tb, err := json.Marshal(ts)
	if err != nil {
		return nil, fmt.Errorf("training state: %w", err)
	}
	secs = append(secs, section{"training", tb})
	if extra.EarlyStopping != nil {
		es, err := earlyStoppingSections(m, extra.EarlyStopping, perm)
		if err != nil {
			return nil, err
		}
		secs = append(secs, es...)
	}
	if extra.Preprocessing != nil {
		if !json.Valid(extra.Preprocessing) {
			return nil, fmt.Errorf("Extra.Preprocessing is not valid JSON")
		}
		secs = append(secs, section{"preprocessing", extra.Preprocessing})
	}
	for _, s := range secs {
		if len(s.name) > 255 {
			return nil, fmt.Errorf("section name %q is too long", s.name)
		}
	}
	return encodeFile(secs), nil
}

// compiledSections are the sections of a compiled model: its compile
// options, the optimizer's config and its slots in the file's weight
// order perm.
func compiledSections(m *model.Model, comp *compileSettings, perm []int) ([]section, error) {
	params := m.Params()
	var secs []section
	cb, err := json.Marshal(comp)
	if err != nil {
		return nil, err
	}
	secs = append(secs, section{"compile", cb})
	opt := m.Optimizer()
	cfg := opt.Config()
	if _, err := makeOptimizer(opt.Name(), normalize(cfg)); err != nil {
		return nil, fmt.Errorf("the optimizer cannot be saved: %w", err)
	}
	base := opt.Common()
	ob, err := json.Marshal(optimizerState{Name: opt.Name(), Config: cfg, Iterations: base.Iterations})
	if err != nil {
		return nil, fmt.Errorf("optimizer config: %w", err)
	}
	secs = append(secs, section{"optimizer", ob})
	var s writer
	if len(base.Slots) == 0 {
		s.u32(0)
	} else {
		if len(base.Slots) != len(params) {
			return nil, fmt.Errorf("the optimizer holds slots for %d weights but the model has %d", len(base.Slots), len(params))
		}
		s.u32(len(perm))
		for _, i := range perm {
			s.u32(len(base.Slots[i]))
			for _, slot := range base.Slots[i] {
				s.u32(len(slot))
				s.floats(slot)
			}
		}
	}
	secs = append(secs, section{"optimizer_slots", s.b})
	return secs, nil
}

// Decode reads the bytes of a model file; see Load.
func Decode(b []byte) (*model.Model, Extra, error) {
	secs, err := decodeFile(b)
	if err != nil {
		return nil, Extra{}, err
	}
	var extra Extra
	extra.Version = int(binary.LittleEndian.Uint32(b[len(Magic):]))
	get := map[string][]byte{}
	for _, s := range secs {
		get[s.name] = s.payload
	}
	for _, name := range []string{"architecture", "weights", "training"} {
		if _, ok := get[name]; !ok {
			return nil, Extra{}, fmt.Errorf("corrupt file: no %s section", name)
		}
	}
	ws, err := decodeWeights(get["weights"])
	if err != nil {
		return nil, Extra{}, err
	}
	m, err := buildModel(get["architecture"], ws)
	if err != nil {
		return nil, Extra{}, err
	}

	var ts trainingState
	if err := json.Unmarshal(get["training"], &ts); err != nil {
		return nil, Extra{}, fmt.Errorf("corrupt section training: %w", err)
	}
	m.Seed = ts.Seed
	extra.Epoch, extra.History = ts.Epoch, fromHistoryJSON(ts.History)
	if ts.Epoch < 0 || ts.Batch < 0 || (ts.Batch > 0 && len(ts.Order) == 0) {
		return nil, Extra{}, fmt.Errorf("corrupt section training: epoch %d, batch %d, %d samples in order", ts.Epoch, ts.Batch, len(ts.Order))
	}
	for i, v := range ts.Order {
		if v < 0 || v >= len(ts.Order) {
			return nil, Extra{}, fmt.Errorf("corrupt section training: sample order entry %d is %d", i, v)
		}
	}
	st := model.TrainState{Epoch: ts.Epoch, Batch: ts.Batch, Order: ts.Order}
	for _, v := range ts.Partial {
		st.Partial = append(st.Partial, float64(v))
	}
	if err := m.SetTrainingState(st, ts.RNG); err != nil {
		return nil, Extra{}, fmt.Errorf("corrupt section training: %w", err)
	}
	if extra.EarlyStopping, err = decodeEarlyStopping(m, get); err != nil {
		return nil, Extra{}, err
	}
	if p, ok := get["preprocessing"]; ok {
		extra.Preprocessing = json.RawMessage(append([]byte(nil), p...))
	}

	if cb, ok := get["compile"]; ok {
		if err := restoreCompile(m, cb, get); err != nil {
			return nil, Extra{}, err
		}
	}
	return m, extra, nil
}

// decodeWeights reads the weights section: the arrays in the file's order.
func decodeWeights(b []byte) ([]*tensor.Tensor, error) { return decodeWeightsSection("weights", b) }

// decodeWeightsSection reads a section laid out as the weights section.
func decodeWeightsSection(sec string, b []byte) ([]*tensor.Tensor, error) {
	r := &reader{sec: sec, b: b}
	n := r.u32("the weight count")
	if r.err == nil && n > len(r.b)/3 { // each array takes at least 3 bytes
		return nil, fmt.Errorf("corrupt section %s: %d arrays cannot fit in %d bytes", sec, n, len(r.b))
	}
	var ws []*tensor.Tensor
	for i := 0; i < n && r.err == nil; i++ {
		name := r.str("a weight name")
		rank := r.u8("a weight rank")
		shape := make([]int, rank)
		size := 1
		for j := range shape {
			shape[j] = r.u32("a weight dimension")
			if shape[j] > 0 && size > math.MaxInt32/shape[j] {
				r.err = fmt.Errorf("corrupt section %s: weight %s has shape %v", sec, name, shape)
			}
			size *= shape[j]
		}
		data := r.floats(size, "weight "+name)
		if r.err == nil {
			ws = append(ws, &tensor.Tensor{Shape: shape, Data: data})
		}
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	return ws, nil
}

// buildModel makes the model from the architecture JSON with the stored
// weights ws, every one of which it must take (keras.FromConfigWeights
// draws none at random first). Building runs the layers' own code on the
// stored config: a panic there becomes an error, as a loader must never
// crash its caller.
func buildModel(arch []byte, ws []*tensor.Tensor) (m *model.Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("architecture: building the model failed: %v", r)
		}
	}()
	var top map[string]any
	if err := json.NewDecoder(bytes.NewReader(arch)).Decode(&top); err != nil {
		return nil, fmt.Errorf("architecture: not a model's JSON: %w", err)
	}
	return keras.FromConfigWeights(top, ws)
}

func restoreCompile(m *model.Model, cb []byte, get map[string][]byte) error {
	var cs compileSettings
	if err := json.Unmarshal(cb, &cs); err != nil {
		return fmt.Errorf("corrupt section compile: %w", err)
	}
	if len(cs.Losses) == 0 {
		return fmt.Errorf("corrupt section compile: no loss")
	}
	opts := model.CompileOptions{Metrics: cs.Metrics}
	for _, lc := range cs.Losses {
		l, err := lc.loss()
		if err != nil {
			return fmt.Errorf("compile: %w", err)
		}
		opts.Losses = append(opts.Losses, l)
	}
	ob, ok := get["optimizer"]
	if !ok {
		return fmt.Errorf("corrupt file: a compile section without an optimizer section")
	}
	var st optimizerState
	if err := json.Unmarshal(ob, &st); err != nil {
		return fmt.Errorf("corrupt section optimizer: %w", err)
	}
	opt, err := makeOptimizer(st.Name, st.Config)
	if err != nil {
		return fmt.Errorf("optimizer: %w", err)
	}
	if st.Iterations < 0 {
		return fmt.Errorf("corrupt section optimizer: %d iterations", st.Iterations)
	}
	base := opt.Common()
	base.Iterations = st.Iterations
	r := &reader{sec: "optimizer_slots", b: get["optimizer_slots"]}
	n := r.u32("the param count")
	params := m.Params()
	if r.err == nil && n != 0 && n != len(params) {
		return fmt.Errorf("corrupt section optimizer_slots: slots for %d weights, the model has %d", n, len(params))
	}
	if n > 0 {
		perm, err := keras.WeightOrder(m)
		if err != nil {
			return err
		}
		base.Slots = make([][][]float32, len(params))
		for k := 0; k < n && r.err == nil; k++ {
			i := perm[k]
			ns := r.u32("a slot count")
			if ns > 16 {
				return fmt.Errorf("corrupt section optimizer_slots: %d slots for one weight", ns)
			}
			for s := 0; s < ns && r.err == nil; s++ {
				size := r.u32("a slot length")
				if r.err == nil && size != len(params[i].Value.Data) {
					return fmt.Errorf("corrupt section optimizer_slots: a slot of %d values for a weight of %d", size, len(params[i].Value.Data))
				}
				base.Slots[i] = append(base.Slots[i], r.floats(size, "a slot"))
			}
		}
	}
	if err := r.done(); err != nil {
		return err
	}
	if len(opts.Losses) == 1 {
		opts.Loss, opts.Losses = opts.Losses[0], nil
	}
	opts.Optimizer = opt
	if err := m.Compile(opts); err != nil {
		return fmt.Errorf("compile: %w", err)
	}
	return nil
}

// Describe summarises a loaded file for people: format version, epochs and
// the last history values.
func Describe(m *model.Model, extra Extra) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "seqnet model file (format version %d): %s, %d layers, %d epochs trained", extra.Version, m.Name, len(m.Layers()), extra.Epoch)
	if h := extra.History; h != nil {
		for _, k := range h.Keys {
			fmt.Fprintf(&sb, ", %s %.4g", k, h.Last(k))
		}
	}
	if es := extra.EarlyStopping; es != nil && !math.IsInf(es.Best, 0) {
		waited := fmt.Sprintf("%d epochs", es.Wait)
		if es.Wait == 1 {
			waited = "1 epoch"
		}
		fmt.Fprintf(&sb, "; early stopping so far: best %s %.4g at epoch %d, then %s without improvement", es.Monitor, es.Best, es.BestEpoch+1, waited)
	}
	return sb.String()
}
