package keras

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/seqnet/seqnet/internal/h5"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// FileInfo describes a Keras model file read by ReadModelFile.
type FileInfo struct {
	// Format is "keras" (a Keras 3 .keras zip) or "h5" (a Keras 2 HDF5
	// file).
	Format string
	// KerasVersion is the version that saved the file, when it says.
	KerasVersion string
	// Weights is the number of weight arrays read.
	Weights int
	// OptimizerState reports that the file also holds the optimizer's
	// state (Adam's moments, the step count). seqnet does not import it:
	// training the imported model starts a fresh optimizer.
	OptimizerState bool
}

// Limits on what a Keras file may ask seqnet to read before anything is
// allocated for it.
const (
	maxConfigBytes = 64 << 20
	// maxWeightsSlack is how much larger model.weights.h5 may be than its
	// weights at float64 would need (groups, headers, optimizer state).
	maxWeightsFactor = 8
	maxWeightsSlack  = 64 << 20
)

var (
	zipMagic  = []byte("PK\x03\x04")
	hdf5Magic = []byte("\x89HDF\r\n\x1a\n")
)

// ReadModelFile reads a whole Keras model, architecture and weights, from
// a file Keras' model.save wrote: a Keras 3 .keras file (a zip holding
// config.json, metadata.json and model.weights.h5) or a Keras 2 .h5 file
// (HDF5 with a model_config attribute and a model_weights group). The
// format is told by the file's first bytes, not its name.
//
// The architecture goes through FromConfig, so the same layers and
// options are supported as for model.to_json(). Every weight array the
// config implies must be in the file with the shape the config implies;
// a missing, extra or misshapen array is an error naming the layer.
// Optimizer state is not imported (FileInfo.OptimizerState says whether
// the file had any).
func ReadModelFile(path string) (*model.Model, FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, FileInfo{}, fmt.Errorf("keras: %w", err)
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return readKerasZip(path)
	case bytes.HasPrefix(head, hdf5Magic):
		return readH5(path)
	case bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("{")):
		return nil, FileInfo{}, fmt.Errorf("keras: %s is JSON, not a saved Keras model: for model.to_json() output use keras.ReadModelJSON", path)
	}
	return nil, FileInfo{}, fmt.Errorf("keras: %s is not a Keras model file: expected a .keras zip (model.save(\"model.keras\")) or an HDF5 .h5 file (model.save(\"model.h5\")), but it starts with %q", path, head)
}

// readKerasZip reads a Keras 3 .keras file.
func readKerasZip(path string) (*model.Model, FileInfo, error) {
	info := FileInfo{Format: "keras"}
	fail := func(format string, a ...any) (*model.Model, FileInfo, error) {
		return nil, info, fmt.Errorf("keras: %s: "+format, append([]any{path}, a...)...)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return fail("not a readable .keras file (a zip archive is expected): %v", err)
	}
	defer z.Close()
	files := map[string]*zip.File{}
	for _, f := range z.File {
		files[f.Name] = f
	}
	cf := files["config.json"]
	if cf == nil {
		return fail("the archive has no config.json: it is not a Keras 3 .keras file")
	}
	cfgBytes, err := readZipEntry(cf, maxConfigBytes)
	if err != nil {
		return fail("%v", err)
	}
	if mf := files["metadata.json"]; mf != nil {
		if b, err := readZipEntry(mf, maxConfigBytes); err == nil {
			var meta struct {
				Version string `json:"keras_version"`
			}
			if json.Unmarshal(b, &meta) == nil {
				info.KerasVersion = meta.Version
			}
		}
	}
	var top map[string]any
	if err := json.Unmarshal(cfgBytes, &top); err != nil {
		return fail("config.json is not JSON: %v", err)
	}
	m, entries, err := modelFromTop(top)
	if err != nil {
		return fail("config.json: %v", err)
	}
	wf := files["model.weights.h5"]
	if wf == nil {
		if files["model.weights.npz"] != nil {
			return fail("the weights are in model.weights.npz (saved with weights_format=\"npz\"): seqnet reads the default model.weights.h5; re-save with model.save(path), or save model.to_json() and numpy.savez(\"weights.npz\", *model.get_weights()) and read them with keras.ReadModelJSON and keras.LoadWeightsNPZ")
		}
		return fail("the archive has no model.weights.h5")
	}
	limit := int64(maxWeightsFactor)*int64(paramCount(m))*8 + maxWeightsSlack
	tmp, err := extractZipEntry(wf, limit)
	if err != nil {
		return fail("%v", err)
	}
	defer os.Remove(tmp)
	hf, err := h5.Open(tmp)
	if err != nil {
		return fail("model.weights.h5: %v", err)
	}
	defer hf.Close()
	w, err := keras3Weights(hf, m, entries)
	if err != nil {
		return fail("model.weights.h5: %v", err)
	}
	info.Weights = len(w)
	for _, p := range hf.Datasets() {
		if strings.HasPrefix(p, "optimizer/") {
			info.OptimizerState = true
		}
	}
	if err := setByParam(m, w); err != nil {
		return fail("%v", err)
	}
	return m, info, nil
}

// readZipEntry reads a small archive member, checking its declared size
// first.
func readZipEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d a Keras config needs: the archive is damaged or not a Keras file", f.Name, f.UncompressedSize64, limit)
	}
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (the archive is truncated or damaged)", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than its declared size: the archive is damaged", f.Name)
	}
	return b, nil
}

// extractZipEntry copies an archive member to a temporary file (the HDF5
// reader reads files by name) and returns its path.
func extractZipEntry(f *zip.File, limit int64) (string, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return "", fmt.Errorf("%s is %d bytes, more than the %d its model's weights could take: the archive is damaged or belongs to another model", f.Name, f.UncompressedSize64, limit)
	}
	r, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("%s: %w", f.Name, err)
	}
	defer r.Close()
	tmp, err := os.CreateTemp("", "seqnet-keras-*.h5")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(tmp, io.LimitReader(r, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = errors.New("larger than its declared size: the archive is damaged")
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("%s: %w", f.Name, err)
	}
	return tmp.Name(), nil
}

// modelFromTop builds the model of a decoded config and returns it with
// the config's layer entries, in the order Keras saved their weights. Its
// weights are left at zero, not drawn: the caller sets every one from the
// file (setByParam refuses a missing one) or drops the model.
func modelFromTop(top map[string]any) (*model.Model, []entry, error) {
	m, err := fromConfig(top, true)
	if err != nil {
		return nil, nil, err
	}
	if !m.Built() {
		return nil, nil, errors.New("the config gives no input shape, so the weights cannot be placed: save a model that has been built (called on data or given an Input)")
	}
	if mc, ok := top["model_config"].(map[string]any); ok && top["class_name"] == nil {
		top = mc
	}
	cfg, _ := top["config"].(map[string]any)
	entries, err := parseEntries(cfg)
	return m, entries, err
}

func paramCount(m *model.Model) int {
	n := 0
	for _, p := range m.Params() {
		n += len(p.Value.Data)
	}
	return n
}

// layerByName maps the model's layer names to its layers.
func layerByName(m *model.Model) map[string]layers.Layer {
	out := map[string]layers.Layer{}
	for _, l := range m.Layers() {
		out[l.Common().Name] = l
	}
	return out
}

// whyMissing is the likely cause of weights not found in an HDF5 file.
const whyMissing = "the file is truncated, belongs to another model, or was written with h5py libver='latest', whose large groups seqnet's HDF5 reader cannot always list; " +
	"re-save it with Keras' defaults, or save model.to_json() and numpy.savez(\"weights.npz\", *model.get_weights()) and read them with keras.ReadModelJSON and keras.LoadWeightsNPZ"

// keras3Weights reads the weights of every layer from the state tree
// Keras 3 saves (keras/src/saving/saving_lib.py): a model's layers are
// saved under layers/<snake_case class name>, numbered _1, _2, … for
// repeats of a class in model.layers order; a layer's own variables are at
// vars/0, vars/1, …, and sub-layers' (a recurrent layer's cell, a
// Bidirectional's forward_layer and backward_layer) under their attribute
// names.
func keras3Weights(f *h5.File, m *model.Model, entries []entry) (map[*layers.Param]*tensor.Tensor, error) {
	if !f.IsGroup("layers") && len(m.Params()) > 0 {
		return nil, fmt.Errorf("no \"layers\" group: not the weights of a Keras 3 model, or %s", whyMissing)
	}
	byName := layerByName(m)
	out := map[*layers.Param]*tensor.Tensor{}
	used := map[string]int{}
	consumed := map[string]bool{}
	for _, e := range entries {
		name := snakeCase(e.class)
		if k, ok := used[name]; ok {
			used[name] = k + 1
			name = fmt.Sprintf("%s_%d", name, k+1)
		} else {
			used[name] = 0
		}
		path := "layers/" + name
		var params []*layers.Param
		if l := byName[e.name]; l != nil {
			params = l.Common().Params()
		}
		found := keras3Collect(f, path)
		if len(found) != len(params) {
			return nil, fmt.Errorf("%s needs %d weight arrays; found %d under %s: %s", e, len(params), len(found), path, whyMissing)
		}
		for i, p := range params {
			t, err := readWeight(f, found[i], p, e)
			if err != nil {
				return nil, err
			}
			out[p] = t
			consumed[found[i]] = true
		}
	}
	for _, p := range f.Datasets() {
		if strings.HasPrefix(p, "layers/") && !consumed[p] {
			return nil, fmt.Errorf("the file holds weights at %s that no layer of config.json uses: the weights and the config do not belong together", p)
		}
	}
	return out, nil
}

// keras3Collect lists the datasets of one saved object in the order Keras
// lists the layer's weights: its own vars by number, then its sub-layers
// (forward_layer before backward_layer, the rest by name).
func keras3Collect(f *h5.File, path string) []string {
	var out []string
	var nums []int
	for _, c := range f.Children(path + "/vars") {
		if i, err := strconv.Atoi(c); err == nil && i >= 0 && f.IsDataset(path+"/vars/"+c) {
			nums = append(nums, i)
		}
	}
	sort.Ints(nums)
	for _, i := range nums {
		out = append(out, fmt.Sprintf("%s/vars/%d", path, i))
	}
	var subs []string
	for _, c := range f.Children(path) {
		if c != "vars" && f.IsGroup(path+"/"+c) {
			subs = append(subs, c)
		}
	}
	rank := func(s string) int {
		switch s {
		case "forward_layer":
			return 0
		case "backward_layer":
			return 1
		}
		return 2
	}
	sort.SliceStable(subs, func(i, j int) bool { return rank(subs[i]) < rank(subs[j]) })
	for _, s := range subs {
		out = append(out, keras3Collect(f, path+"/"+s)...)
	}
	return out
}

// snakeCase is keras.src.utils.naming.to_snake_case: "Conv1D" → "conv1d",
// "BatchNormalization" → "batch_normalization", "GlobalMaxPooling1D" →
// "global_max_pooling1d".
func snakeCase(s string) string {
	r := []rune(s)
	var b strings.Builder
	isUp := func(c rune) bool { return c >= 'A' && c <= 'Z' }
	isLow := func(c rune) bool { return c >= 'a' && c <= 'z' }
	// (.)([A-Z][a-z]+) → \1_\2, then ([a-z])([A-Z]) → \1_\2, applied as
	// one pass: an underscore goes before an upper-case letter that
	// follows any character and is followed by a lower-case one, or that
	// follows a lower-case letter.
	for i, c := range r {
		if i > 0 && isUp(c) && ((i+1 < len(r) && isLow(r[i+1])) || isLow(r[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(c)
	}
	return strings.ToLower(b.String())
}

// readWeight reads one weight array after checking its type and shape
// against the parameter it is for.
func readWeight(f *h5.File, path string, p *layers.Param, e entry) (*tensor.Tensor, error) {
	dims, float, size, err := f.Shape(path)
	if err != nil {
		return nil, fmt.Errorf("%s, weight %s: %v", e, p.Name, err)
	}
	if !float || (size != 4 && size != 8) {
		return nil, fmt.Errorf("%s, weight %s: %s holds %d-byte non-float values, expected float32 or float64 (bfloat16 and quantized weights are not supported)", e, p.Name, path, size)
	}
	if !slices.Equal(dims, p.Value.Shape) {
		return nil, fmt.Errorf("%s, weight %s: %s has shape %v, the config implies %v: the weights and the config do not belong together", e, p.Name, path, dims, p.Value.Shape)
	}
	data, err := f.ReadFloat32(path, len(p.Value.Data))
	if err != nil {
		return nil, fmt.Errorf("%s, weight %s: %v", e, p.Name, err)
	}
	return tensor.FromSlice(data, dims...), nil
}

// setByParam sets every weight of m; w must hold one tensor per
// parameter.
func setByParam(m *model.Model, w map[*layers.Param]*tensor.Tensor) error {
	ws := make([]*tensor.Tensor, len(m.Params()))
	for i, p := range m.Params() {
		t, ok := w[p]
		if !ok {
			return fmt.Errorf("weight %d (%s) was not found in the file", i, p.Name)
		}
		ws[i] = t
	}
	return m.SetWeights(ws)
}

// readH5 reads a Keras 2 .h5 file (keras/src/legacy/saving/legacy_h5_format.py):
// the model_config attribute holds model.to_json(), and
// model_weights/<layer> holds each layer's weights, named by its
// weight_names attribute.
func readH5(path string) (*model.Model, FileInfo, error) {
	info := FileInfo{Format: "h5"}
	fail := func(format string, a ...any) (*model.Model, FileInfo, error) {
		return nil, info, fmt.Errorf("keras: %s: "+format, append([]any{path}, a...)...)
	}
	f, err := h5.Open(path)
	if errors.Is(err, h5.ErrTruncated) {
		return fail("%v: the copy is incomplete; copy or download it again", err)
	}
	if err != nil {
		return fail("cannot read this HDF5 file: %v (a damaged file, or one written with h5py libver='latest', which seqnet's HDF5 reader partly does not support: re-save it with Keras' defaults)", err)
	}
	defer f.Close()
	if v, ok, _ := f.Attr("", "keras_version"); ok {
		info.KerasVersion, _ = v.(string)
	}
	cfgText, ok, err := f.Attr("", "model_config")
	if err != nil {
		return fail("%v", err)
	}
	if !ok {
		if f.IsGroup("layers") || f.IsGroup("vars") {
			return fail("this is a Keras 3 weights-only file (model.save_weights): it has no architecture; save the whole model with model.save(\"model.keras\")")
		}
		if _, ok, _ := f.Attr("", "layer_names"); ok {
			return fail("this is a Keras 2 weights-only file (model.save_weights): it has no architecture; save the whole model with model.save(\"model.h5\")")
		}
		return fail("no model_config attribute: not a Keras model saved with model.save(\"model.h5\"), or %s", whyMissing)
	}
	s, isString := cfgText.(string)
	if !isString {
		return fail("the model_config attribute is %T, expected JSON text", cfgText)
	}
	if len(s) > maxConfigBytes {
		return fail("the model_config attribute is %d bytes, more than the %d a Keras config needs", len(s), maxConfigBytes)
	}
	var top map[string]any
	if err := json.Unmarshal([]byte(s), &top); err != nil {
		return fail("the model_config attribute is not JSON: %v", err)
	}
	m, entries, err := modelFromTop(top)
	if err != nil {
		return fail("model_config: %v", err)
	}
	w, err := h5Weights(f, m, entries)
	if err != nil {
		return fail("%v", err)
	}
	info.Weights = len(w)
	info.OptimizerState = f.IsGroup("optimizer_weights")
	if err := setByParam(m, w); err != nil {
		return fail("%v", err)
	}
	return m, info, nil
}

// h5Strings reads a text-list attribute that Keras may have split into
// name0, name1, … when it exceeded HDF5's 64 KiB header limit
// (save_attributes_to_hdf5_group).
func h5Strings(f *h5.File, group, name string) ([]string, bool, error) {
	get := func(n string) ([]string, bool, error) {
		v, ok, err := f.Attr(group, n)
		if err != nil || !ok {
			return nil, ok, err
		}
		switch x := v.(type) {
		case []string:
			return x, true, nil
		case string:
			return []string{x}, true, nil
		}
		return nil, true, fmt.Errorf("attribute %s of %s is not text", n, group)
	}
	if v, ok, err := get(name); ok || err != nil {
		return v, ok, err
	}
	var out []string
	for i := 0; ; i++ {
		v, ok, err := get(name + strconv.Itoa(i))
		if err != nil {
			return nil, true, err
		}
		if !ok {
			return out, i > 0, nil
		}
		out = append(out, v...)
	}
}

func h5Weights(f *h5.File, m *model.Model, entries []entry) (map[*layers.Param]*tensor.Tensor, error) {
	const root = "model_weights"
	if !f.IsGroup(root) {
		return nil, fmt.Errorf("no model_weights group: the file holds no weights (or %s)", whyMissing)
	}
	names, ok, err := h5Strings(f, root, "layer_names")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("model_weights has no layer_names attribute: not a Keras .h5 file, or %s", whyMissing)
	}
	byName := layerByName(m)
	inConfig := map[string]bool{}
	out := map[*layers.Param]*tensor.Tensor{}
	for _, e := range entries {
		inConfig[e.name] = true
		var params []*layers.Param
		if l := byName[e.name]; l != nil {
			params = l.Common().Params()
		}
		if len(params) == 0 {
			continue
		}
		g := root + "/" + e.name
		if !f.IsGroup(g) {
			return nil, fmt.Errorf("%s needs %d weight arrays but the file has no group %s: %s", e, len(params), g, whyMissing)
		}
		wn, _, err := h5Strings(f, g, "weight_names")
		if err != nil {
			return nil, err
		}
		if len(wn) != len(params) {
			return nil, fmt.Errorf("%s needs %d weight arrays; the file lists %d in %s's weight_names: the weights and the config do not belong together", e, len(params), len(wn), g)
		}
		for i, p := range params {
			dp := g + "/" + wn[i]
			if !f.IsDataset(dp) {
				return nil, fmt.Errorf("%s, weight %s: no dataset %s: %s", e, p.Name, dp, whyMissing)
			}
			t, err := readWeight(f, dp, p, e)
			if err != nil {
				return nil, err
			}
			out[p] = t
		}
	}
	for _, n := range names {
		if inConfig[n] {
			continue
		}
		if wn, _, _ := h5Strings(f, root+"/"+n, "weight_names"); len(wn) > 0 {
			return nil, fmt.Errorf("model_weights holds weights of layer %q, which is not in model_config: the weights and the config do not belong together", n)
		}
	}
	return out, nil
}
