package layers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/keras"
	"github.com/seqnet/seqnet/layers"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConstraintAndRegularizerConfigs(t *testing.T) {
	// As Keras 3 writes them (model.to_json()).
	keras := `{"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 3, "axis": [0, 1]}, "registered_name": null}`
	var obj any
	if err := json.Unmarshal([]byte(keras), &obj); err != nil {
		t.Fatal(err)
	}
	c, err := layers.ParseConstraint(obj)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := c.(*layers.MaxNormConstraint); !ok || m.MaxValue != 3 || !reflect.DeepEqual(m.Axis, []int{0, 1}) {
		t.Fatalf("%#v", c)
	}
	b, _ := json.Marshal(layers.ConstraintConfig(c))
	var a, bb any
	_ = json.Unmarshal(b, &a)
	_ = json.Unmarshal([]byte(keras), &bb)
	if !reflect.DeepEqual(a, bb) {
		t.Errorf("written %s, Keras writes %s", b, keras)
	}

	constraints := []layers.Constraint{layers.MaxNorm(3), layers.MaxNorm(2.5, 0, 1), layers.NonNeg(),
		layers.UnitNorm(1), layers.UnitNorm(-1, 0), layers.MinMaxNorm(0.5, 2, 0.25, 2)}
	for _, c := range constraints {
		cfg := jsonRoundTrip(t, layers.ConstraintConfig(c))
		c2, err := layers.ParseConstraint(cfg)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Errorf("round trip of %#v gave %#v", c, c2)
		}
		// Without the JSON step too (ints and []int as Go writes them).
		if c3, err := layers.ParseConstraint(layers.ConstraintConfig(c)); err != nil || !reflect.DeepEqual(c, c3) {
			t.Errorf("direct round trip of %#v gave %#v, %v", c, c3, err)
		}
	}
	regularizers := []layers.Regularizer{layers.L1(0.003), layers.L2(0.01), layers.L1L2(0, 0.01),
		layers.L1L2(1e-5, 1e-4), layers.NewOrthogonalRegularizer(0.02, "columns")}
	for _, r := range regularizers {
		cfg := jsonRoundTrip(t, layers.RegularizerConfig(r))
		r2, err := layers.ParseRegularizer(cfg)
		if err != nil {
			t.Fatalf("%T: %v", r, err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Errorf("round trip of %#v gave %#v", r, r2)
		}
	}
	if layers.ConstraintConfig(nil) != nil || layers.RegularizerConfig(nil) != nil {
		t.Error("nil must serialize as null")
	}
	if got := layers.RegularizerConfig(layers.L2(0.01)).(map[string]any); got["class_name"] != "L2" ||
		got["module"] != "keras.regularizers" || !reflect.DeepEqual(got["config"], map[string]any{"l2": 0.01}) {
		t.Errorf("%v", got)
	}

}

// TestRuleStringIdentifiers reads constraints and regularizers named by
// string (Keras' defaults, and the mini-language's arguments) and by the
// Keras 3 fixture's config.
func TestRuleStringIdentifiers(t *testing.T) {
	for s, want := range map[string]layers.Constraint{
		"non_neg": layers.NonNeg(), "NonNeg": layers.NonNeg(), "max_norm": layers.MaxNorm(2), "MaxNorm": layers.MaxNorm(2),
		"unit_norm": layers.UnitNorm(), "min_max_norm": layers.MinMaxNorm(0, 1, 1), "max_norm(3)": layers.MaxNorm(3),
		"max_norm(3, 1)": layers.MaxNorm(3, 1), "min_max_norm(0.5, 2)": layers.MinMaxNorm(0.5, 2, 1),
	} {
		got, err := layers.ParseConstraint(s)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %#v, %v; want %#v", s, got, err, want)
		}
	}
	for s, want := range map[string]layers.Regularizer{
		"l1": layers.L1(0.01), "l2": layers.L2(0.01), "L2": layers.L2(0.01), "l1_l2": layers.L1L2(0.01, 0.01),
		"L1L2": layers.L1L2(0, 0), "l2(0.001)": layers.L2(0.001), "l1_l2(0, 1e-4)": layers.L1L2(0, 1e-4),
		"orthogonal_regularizer": layers.NewOrthogonalRegularizer(0.01, "rows"),
	} {
		got, err := layers.ParseRegularizer(s)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %#v, %v; want %#v", s, got, err, want)
		}
	}
	// The Keras 3 fixture's regularizer: keras.regularizers.l1_l2(l2=0.01).
	r, err := layers.Config{"k": map[string]any{"module": "keras.regularizers", "class_name": "L1L2",
		"config": map[string]any{"l1": 0.0, "l2": 0.01}, "registered_name": nil}}.Regularizer("k")
	if err != nil || !reflect.DeepEqual(r, layers.L1L2(0, 0.01)) {
		t.Errorf("%#v %v", r, err)
	}
	if r, err := (layers.Config{"k": nil}).Regularizer("k"); r != nil || err != nil {
		t.Errorf("null: %v %v", r, err)
	}
	if c, err := (layers.Config{}).Constraint("k"); c != nil || err != nil {
		t.Errorf("absent: %v %v", c, err)
	}

}

// TestRuleConfigErrors checks the errors for unknown or malformed
// constraints and regularizers.
func TestRuleConfigErrors(t *testing.T) {
	for _, bad := range []struct {
		v    any
		want string
	}{
		{"max_nrom", `unknown constraint "max_nrom"`},
		{"max_norm(3, 1, 2)", "at most 2 arguments"},
		{"max_norm(max_value=3)", "positional"},
		{map[string]any{"class_name": "RadialConstraint", "config": map[string]any{}}, `unsupported constraint "RadialConstraint"`},
		{map[string]any{"class_name": "MaxNorm", "config": map[string]any{"m": 3.0}}, `unexpected argument "m"`},
		{map[string]any{"class_name": "NonNeg", "config": map[string]any{"axis": 0.0}}, "takes none"},
		{map[string]any{"class_name": "MaxNorm", "config": map[string]any{"axis": "rows"}}, "axis"},
		{3.0, "expected a constraint name"},
	} {
		if _, err := layers.ParseConstraint(bad.v); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: error %v, want one containing %q", bad.v, err, bad.want)
		}
	}
	for _, bad := range []struct {
		v    any
		want string
	}{
		{"l3", `unknown regularizer "l3"`},
		{"l2(-1)", "non-negative"},
		{map[string]any{"class_name": "L2", "config": map[string]any{"l2": -0.5}}, "non-negative"},
		{map[string]any{"class_name": "L2", "config": map[string]any{"l1": 0.5}}, `unexpected argument "l1"`},
		{map[string]any{"class_name": "OrthogonalRegularizer", "config": map[string]any{"mode": "diagonal"}}, `mode="diagonal"`},
		{map[string]any{"class_name": "MyReg", "config": map[string]any{}}, `unsupported regularizer "MyReg"`},
		{map[string]any{"config": map[string]any{}}, "class_name"},
	} {
		if _, err := layers.ParseRegularizer(bad.v); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: error %v, want one containing %q", bad.v, err, bad.want)
		}
	}
}

// TestLayerWeightRules checks that Dense and Conv1D attach their
// constraints and regularizers to the weights at Build, write them in their
// configs as Keras does and read them back.
func TestLayerWeightRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	d := layers.NewDense(3, "relu")
	d.KernelConstraint, d.BiasConstraint = layers.MaxNorm(2), layers.NonNeg()
	d.KernelRegularizer, d.BiasRegularizer = layers.L2(1e-3), layers.L1(1e-4)
	if _, err := d.Build([]layers.Shape{{7}}, rng); err != nil {
		t.Fatal(err)
	}
	if d.Kernel().Constraint != d.KernelConstraint || d.Kernel().Regularizer != d.KernelRegularizer ||
		d.Bias().Constraint != d.BiasConstraint || d.Bias().Regularizer != d.BiasRegularizer {
		t.Fatal("Dense did not attach its rules to its weights")
	}
	back := checkRoundTrip(t, d).(*layers.Dense)
	if !reflect.DeepEqual(back.KernelConstraint, d.KernelConstraint) || !reflect.DeepEqual(back.BiasRegularizer, d.BiasRegularizer) {
		t.Errorf("round trip: %#v %#v", back.KernelConstraint, back.BiasRegularizer)
	}
	cfg := jsonRoundTrip(t, d.Config()).(map[string]any)
	if got := cfg["kernel_constraint"].(map[string]any); got["class_name"] != "MaxNorm" || got["module"] != "keras.constraints" {
		t.Errorf("kernel_constraint written as %v", got)
	}
	if cfg["activity_regularizer"] != nil {
		t.Errorf("activity_regularizer %v", cfg["activity_regularizer"])
	}

	c := layers.NewConv1D(4, 3, layers.KernelConstraint(layers.MaxNorm(3, 0, 1)), layers.BiasConstraint(layers.UnitNorm()),
		layers.KernelRegularizer(layers.L1L2(1e-5, 1e-4)), layers.BiasRegularizer(layers.L2(0.5)))
	if _, err := c.Build([]layers.Shape{{9, 5}}, rng); err != nil {
		t.Fatal(err)
	}
	if c.Kernel().Constraint == nil || c.Kernel().Regularizer == nil || c.Bias().Constraint == nil || c.Bias().Regularizer == nil {
		t.Fatal("Conv1D did not attach its rules to its weights")
	}
	cfg = jsonRoundTrip(t, c.Config()).(map[string]any)
	if got := cfg["kernel_constraint"].(map[string]any)["config"]; !reflect.DeepEqual(got, map[string]any{"max_value": 3.0, "axis": []any{0.0, 1.0}}) {
		t.Errorf("kernel_constraint config %v", got)
	}
	if got := cfg["bias_regularizer"].(map[string]any)["config"]; !reflect.DeepEqual(got, map[string]any{"l2": 0.5}) {
		t.Errorf("bias_regularizer config %v", got)
	}
	c.KernelRegularizer, c.BiasRegularizer = nil, nil
	back2 := checkRoundTrip(t, c).(*layers.Conv1D)
	if !reflect.DeepEqual(back2.KernelConstraint, layers.MaxNorm(3, 0, 1)) {
		t.Errorf("round trip: %#v", back2.KernelConstraint)
	}
}

// TestLayerWeightRulesFromKeras reads the rules as Keras 3 writes a Dense
// layer, string shorthands included, and checks that bad rules are refused
// in the config or at Build with the argument named.
func TestLayerWeightRulesFromKeras(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	l, err := layers.FromConfig("Dense", layers.Config{"units": 2.0,
		"kernel_constraint": map[string]any{"module": "keras.constraints", "class_name": "MaxNorm",
			"config": map[string]any{"max_value": 3.0, "axis": 0.0}, "registered_name": nil},
		"bias_constraint": "non_neg", "kernel_regularizer": "l2", "bias_regularizer": nil, "activity_regularizer": nil})
	if err != nil {
		t.Fatal(err)
	}
	ld := l.(*layers.Dense)
	if !reflect.DeepEqual(ld.KernelConstraint, layers.MaxNorm(3)) || !reflect.DeepEqual(ld.BiasConstraint, layers.NonNeg()) ||
		!reflect.DeepEqual(ld.KernelRegularizer, layers.L2(0.01)) || ld.BiasRegularizer != nil {
		t.Errorf("%#v", ld)
	}

	for _, bad := range []struct {
		class string
		cfg   layers.Config
		want  string
	}{
		{"Dense", layers.Config{"units": 2.0, "kernel_regularizer": "l3"}, `kernel_regularizer: unknown regularizer "l3"`},
		{"Dense", layers.Config{"units": 2.0, "activity_regularizer": "l2"}, `unsupported option "activity_regularizer"`},
		{"Conv1D", layers.Config{"filters": 2.0, "kernel_size": 3.0, "bias_constraint": "maxnorm(1, 2, 3)"}, "bias_constraint"},
	} {
		if _, err := layers.FromConfig(bad.class, bad.cfg); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: error %v, want one containing %q", bad.cfg, err, bad.want)
		}
	}

	// An axis the weight does not have is refused at Build, naming the
	// argument and the weight.
	bad := layers.NewDense(3, "")
	bad.BiasConstraint = layers.MaxNorm(1, 0, 1)
	if _, err := bad.Build([]layers.Shape{{4}}, rng); err == nil || !strings.Contains(err.Error(), "bias_constraint") ||
		!strings.Contains(err.Error(), "axis 1 is out of range") {
		t.Errorf("bias MaxNorm over axes 0, 1: %v", err)
	}
	badConv := layers.NewConv1D(2, 3, layers.KernelRegularizer(layers.NewOrthogonalRegularizer(0.01, "rows")))
	if _, err := badConv.Build([]layers.Shape{{9, 5}}, rng); err == nil || !strings.Contains(err.Error(), "rank 2") {
		t.Errorf("orthogonal regularizer on a rank-3 kernel: %v", err)
	}
}

// regressionData is y = 4·Σx over 6 features: fitting it needs weights
// whose norm is well above 1.
func regressionData(rng *rand.Rand, n int) (*tensor.Tensor, *tensor.Tensor) {
	x, y := tensor.New(n, 6), tensor.New(n, 1)
	for i := 0; i < n; i++ {
		var s float32
		for j := 0; j < 6; j++ {
			v := float32(rng.NormFloat64())
			x.Data[i*6+j] = v
			s += v
		}
		y.Data[i] = 4 * s
	}
	return x, y
}

func columnNorms(w *tensor.Tensor) []float64 {
	rows, cols := w.Shape[0], w.Shape[1]
	out := make([]float64, cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			v := float64(w.Data[i*cols+j])
			out[j] += v * v
		}
	}
	for j := range out {
		out[j] = math.Sqrt(out[j])
	}
	return out
}

// TestMaxNormDuringFit trains a Dense layer with MaxNorm(1): after Fit
// every unit's incoming weights have a norm of at most 1, while the same
// training without the constraint goes well past it.
func TestMaxNormDuringFit(t *testing.T) {
	x, y := regressionData(rand.New(rand.NewPCG(13, 14)), 96)
	maxNorm := func(constrained bool) float64 {
		hidden := layers.NewDense(5, "")
		if constrained {
			hidden.KernelConstraint = layers.MaxNorm(1)
		}
		m, err := model.NewSequential(layers.Input(6), hidden, layers.NewDense(1, ""))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.05, LossName: "mse"}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Fit(x, y, model.FitOptions{Epochs: 15, BatchSize: 16}); err != nil {
			t.Fatal(err)
		}
		var most float64
		for _, n := range columnNorms(hidden.Kernel().Value) {
			most = math.Max(most, n)
		}
		return most
	}
	if n := maxNorm(true); n > 1+1e-6 {
		t.Errorf("with MaxNorm(1) a column has norm %g after Fit", n)
	}
	if n := maxNorm(false); n <= 1.5 {
		t.Errorf("without the constraint the largest column norm is %g: the test does not exercise the constraint", n)
	}
}

// TestL2PenaltyInFitLoss runs one Fit step (one batch) on two models with
// the same weights: the loss of the one with L2(0.1) on its kernel is
// larger by exactly 0.1·Σw² of the weights before the step.
func TestL2PenaltyInFitLoss(t *testing.T) {
	x, y := regressionData(rand.New(rand.NewPCG(15, 16)), 20)
	build := func(reg layers.Regularizer) (*model.Model, *layers.Dense) {
		d := layers.NewDense(3, "tanh")
		d.KernelRegularizer = reg
		m, err := model.NewSequential(layers.Input(6), d, layers.NewDense(1, ""))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(model.CompileOptions{OptimizerName: "sgd", LearningRate: 0.01, LossName: "mse"}); err != nil {
			t.Fatal(err)
		}
		return m, d
	}
	plain, _ := build(nil)
	reg, d := build(layers.L2(0.1))
	if err := reg.SetWeights(plain.Weights()); err != nil {
		t.Fatal(err)
	}
	var want float64
	for _, v := range d.Kernel().Value.Data {
		want += 0.1 * float64(v) * float64(v)
	}
	fit := func(m *model.Model) float64 {
		h, err := m.Fit(x, y, model.FitOptions{Epochs: 1, BatchSize: 20, NoShuffle: true})
		if err != nil {
			t.Fatal(err)
		}
		return h.Last("loss")
	}
	lp, lr := fit(plain), fit(reg)
	if got := lr - lp; math.Abs(got-want) > 1e-4*want {
		t.Errorf("loss with L2 %g, without %g: difference %g, want the penalty %g", lr, lp, got, want)
	}
	// The penalty's gradient reached the update: the kernels differ.
	if reflect.DeepEqual(plain.Weights()[0].Data, reg.Weights()[0].Data) {
		t.Error("the L2 gradient did not change the update")
	}
}

// TestRecurrentWeightRules checks LSTM, GRU and SimpleRNN (and their
// Bidirectional wrapper): all six arguments attach at Build, survive the
// config round trip, and a recurrent constraint holds through Fit.
func TestRecurrentWeightRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	opts := []layers.RNNOption{
		layers.RNNKernelConstraint(layers.MaxNorm(2)), layers.RNNRecurrentConstraint(layers.UnitNorm(0)),
		layers.RNNBiasConstraint(layers.NonNeg()), layers.RNNKernelRegularizer(layers.L1(1e-4)),
		layers.RNNRecurrentRegularizer(layers.NewOrthogonalRegularizer(0.01, "columns")),
		layers.RNNBiasRegularizer(layers.L2(1e-3)),
	}
	makers := []func() layers.Layer{
		func() layers.Layer { return layers.NewLSTM(3, opts...) },
		func() layers.Layer { return layers.NewGRU(3, opts...) },
		func() layers.Layer { return layers.NewSimpleRNN(3, opts...) },
		func() layers.Layer { return layers.NewBidirectional(layers.NewGRU(2, opts...), "concat") },
	}
	for _, mk := range makers {
		checkRoundTrip(t, mk())
		l := mk()
		if _, err := l.Build([]layers.Shape{{5, 4}}, rng); err != nil {
			t.Fatalf("%s: %v", l.ClassName(), err)
		}
		ps := l.Common().Params()
		if bd, ok := l.(*layers.Bidirectional); ok {
			ps = append(bd.ForwardLayer().Common().Params(), bd.BackwardLayer().Common().Params()...)
		}
		if len(ps)%3 != 0 {
			t.Fatalf("%s: %d weights", l.ClassName(), len(ps))
		}
		for i, p := range ps {
			wantC, wantR := []string{"MaxNorm", "UnitNorm", "NonNeg"}[i%3], []string{"L1", "OrthogonalRegularizer", "L2"}[i%3]
			cc, _ := layers.ConstraintConfig(p.Constraint).(map[string]any)
			rc, _ := layers.RegularizerConfig(p.Regularizer).(map[string]any)
			if cc["class_name"] != wantC || rc["class_name"] != wantR {
				t.Errorf("%s %s: constraint %v, regularizer %v; want %s, %s", l.ClassName(), p.Name, cc, rc, wantC, wantR)
			}
		}
	}
	cfg := jsonRoundTrip(t, layers.NewLSTM(2, opts...).Config()).(map[string]any)
	if got := cfg["recurrent_regularizer"].(map[string]any); got["class_name"] != "OrthogonalRegularizer" ||
		!reflect.DeepEqual(got["config"], map[string]any{"factor": 0.01, "mode": "columns"}) {
		t.Errorf("recurrent_regularizer written as %v", got)
	}
	if _, err := layers.FromConfig("LSTM", layers.Config{"units": 2.0, "recurrent_constraint": "unit_nrom"}); err == nil ||
		!strings.Contains(err.Error(), "recurrent_constraint") {
		t.Errorf("bad recurrent_constraint: %v", err)
	}
	if _, err := layers.FromConfig("GRU", layers.Config{"units": 2.0, "activity_regularizer": "l2"}); err == nil {
		t.Error("activity_regularizer accepted")
	}

	// Fit with MaxNorm(0.5) on the recurrent kernel of an LSTM.
	x, y := tensor.New(24, 5, 2), tensor.New(24, 1)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for i := range y.Data {
		y.Data[i] = 3 * x.Data[i*10]
	}
	lstm := layers.NewLSTM(4, layers.RNNRecurrentConstraint(layers.MaxNorm(0.5)))
	m, err := model.NewSequential(layers.Input(5, 2), lstm, layers.NewDense(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.05, LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(x, y, model.FitOptions{Epochs: 3, BatchSize: 8}); err != nil {
		t.Fatal(err)
	}
	for j, n := range columnNorms(lstm.RecurrentKernel().Value) {
		if n > 0.5+1e-6 {
			t.Errorf("recurrent kernel column %d has norm %g > 0.5 after Fit", j, n)
		}
	}
}

// TestWeightRulesThroughModelFiles writes a model whose layers carry
// constraints and regularizers as Keras JSON and as a .seqnet checkpoint
// and reads them back: the rules are on the weights of the loaded model.
func TestWeightRulesThroughModelFiles(t *testing.T) {
	m, err := model.NewSequential(layers.Input(7, 3),
		layers.NewConv1D(4, 3, layers.KernelConstraint(layers.MaxNorm(3, 0, 1))),
		layers.NewLSTM(2, layers.RNNRecurrentConstraint(layers.UnitNorm()), layers.RNNKernelRegularizer(layers.L1L2(0, 0.01))),
		func() layers.Layer {
			d := layers.NewDense(1, "")
			d.KernelRegularizer, d.BiasConstraint = layers.L2(0.02), layers.NonNeg()
			return d
		}())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(model.CompileOptions{LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	rules := func(m *model.Model) string {
		var b strings.Builder
		for _, p := range m.Params() {
			c, _ := json.Marshal(layers.ConstraintConfig(p.Constraint))
			r, _ := json.Marshal(layers.RegularizerConfig(p.Regularizer))
			fmt.Fprintf(&b, "%s %s %s\n", p.Name, c, r)
		}
		return b.String()
	}
	want := rules(m)
	if !strings.Contains(want, "MaxNorm") || !strings.Contains(want, "UnitNorm") || !strings.Contains(want, `"l2":0.02`) {
		t.Fatalf("rules not attached:\n%s", want)
	}
	var buf bytes.Buffer
	if err := keras.WriteModelJSON(&buf, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"MaxNorm"`) || !strings.Contains(buf.String(), `"keras.regularizers"`) {
		t.Fatalf("Keras JSON lacks the constraint: %s", buf.String())
	}
	// The Conv1D regularizer is left out here: FromConfig still refuses it
	// (see registry.go).
	m2, err := keras.ReadModelJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := rules(m2); got != want {
		t.Errorf("after Keras JSON:\n%s\nwant\n%s", got, want)
	}
	path := t.TempDir() + "/m.seqnet"
	if err := checkpoint.Save(path, m, checkpoint.Extra{}); err != nil {
		t.Fatal(err)
	}
	m3, _, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := rules(m3); got != want {
		t.Errorf("after checkpoint:\n%s\nwant\n%s", got, want)
	}
}

// Constraints project a weight, regularizers price it; layers take both as
// Keras arguments and write them in their configs as Keras does.
func ExampleMaxNorm() {
	// A Dense kernel (in=2, units=2): the first unit's incoming weights
	// have norm 5, the second's 0.5.
	w := tensor.FromSlice([]float32{3, 0.3, 4, 0.4}, 2, 2)
	layers.MaxNorm(1).Apply(w) // axis 0: one norm per unit
	fmt.Printf("%.4f\n", w.Data)

	l2, _ := layers.ParseRegularizer("l2") // Keras' shorthand: L2(0.01)
	fmt.Printf("%.4f\n", l2.Penalty(w, nil))

	// A Conv1D whose filters keep a norm of at most 3, Kim-style.
	conv := layers.NewConv1D(8, 3, layers.KernelConstraint(layers.MaxNorm(3, 0, 1)),
		layers.KernelRegularizer(layers.L2(1e-4)))
	b, _ := json.Marshal(conv.Config()["kernel_constraint"])
	fmt.Println(string(b))
	// Output:
	// [0.6000 0.3000 0.8000 0.4000]
	// 0.0125
	// {"class_name":"MaxNorm","config":{"axis":[0,1],"max_value":3},"module":"keras.constraints","registered_name":null}
}
