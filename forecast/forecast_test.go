package forecast

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seqnet/seqnet/baseline"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/tensor"
)

// windows cuts a one-column series into windows of w steps with the next
// value as target.
func windows(s []float32, w int) (*tensor.Tensor, *tensor.Tensor) {
	n := len(s) - w
	x, y := tensor.New(n, w, 1), tensor.New(n, 1)
	for i := 0; i < n; i++ {
		copy(x.Data[i*w:(i+1)*w], s[i:i+w])
		y.Data[i] = s[i+w]
	}
	return x, y
}

// TestRawWeights checks, for each anchor, that the Dense kernel written
// for a ridge fit computes naive forecast + w·features + c + b on random
// windows.
func TestRawWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	o := Options{Steps: 6, Channels: 2, Targets: []int{1, 0}, Horizon: 1, Season: 4}
	per, nOut := 12, 2
	x := make([]float32, per)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	as := anchors(o)
	if len(as) != 4 {
		t.Fatalf("%d anchors, want 4 (levels, last value, one season earlier, SARIMA)", len(as))
	}
	for _, a := range as {
		wd := a.width()
		r := &baseline.Ridge{In: wd, Out: nOut, W: make([]float64, wd*nOut), B: []float64{0.5, -1}}
		for i := range r.W {
			r.W[i] = rng.NormFloat64()
		}
		raw, bias := a.rawWeights(per, r)
		fx, fy := a.features(x, make([]float32, nOut), 1, per, nOut)
		want := r.Predict(fx, 1)
		for j := range want {
			want[j] -= fy[j] // fy is 0 − the naive forecast
		}
		for j := 0; j < nOut; j++ {
			got := bias[j]
			for i := 0; i < per; i++ {
				got += raw[i*nOut+j] * float64(x[i])
			}
			if math.Abs(got-want[j]) > 1e-9 {
				t.Errorf("%s, output %d: raw weights give %g, want %g", a.name, j, got, want[j])
			}
		}
	}
	// Season 4, horizon 1, 6 steps (rows t-5 … t): the target is row t+1;
	// one season earlier is row t-3 (step 2), and SARIMA's naive forecast
	// is x[t] + x[t-3] − x[t-4] (steps 5, 2, 1). Output 0 reads channel 1.
	sar := as[3]
	if sar.name != AnchorSeasonal || dot(sar.base[0], x) != float64(x[5*2+1])+float64(x[2*2+1])-float64(x[1*2+1]) {
		t.Errorf("SARIMA anchor %q: base %v", sar.name, sar.base[0])
	}
	if got := as[2].base[0]; len(got) != 1 || got[0].i != 2*2+1 {
		t.Errorf("seasonal anchor base %v, want step 2 channel 1 (index 5)", got)
	}
	// Seasonally differenced changes: steps 5 only (s − 1 − 4 ≥ 0 from s = 5), both channels.
	if len(sar.feats) != 2 {
		t.Errorf("%d seasonally differenced features, want 2", len(sar.feats))
	}
	if seasonLag(Options{Steps: 3, Season: 12, Horizon: 1}) != -1 {
		t.Error("a window shorter than the season has a seasonal anchor")
	}
	// A window of exactly one season reaches one season back but not a
	// season and a step: no SARIMA anchor.
	if as := anchors(Options{Steps: 4, Channels: 1, Targets: []int{0}, Horizon: 1, Season: 4}); len(as) != 3 || as[2].name != AnchorSeason {
		t.Errorf("a window of one season has %d anchors, want 3 (up to one season earlier)", len(as))
	}
}

// TestInitLinearIsTheCombination: the model's start predicts the weighted
// sum, with the weights InitLinear reports, of each anchor's ridge fitted
// on the training windows with its rolling-origin penalty.
func TestInitLinearIsTheCombination(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := make([]float32, 120)
	for i := range s {
		s[i] = float32(math.Sin(2*math.Pi*float64(i)/6) + 0.2*rng.NormFloat64() + 0.02*float64(i))
	}
	x, y := windows(s, 8)
	n := x.Shape[0]
	tx, ty, vx, vy := x.Rows(0, n-20), y.Rows(0, n-20), x.Rows(n-20, n), y.Rows(n-20, n)
	o := Options{Steps: 8, Channels: 1, Targets: []int{0}, Horizon: 1, Season: 6, Filters: 4, KernelSize: 2, Seed: 2}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	st, err := InitLinear(m, o, tx, ty, vx, vy)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("start: %s", st)
	want := make([]float64, vx.Shape[0])
	total := 0.0
	for _, a := range anchors(o) {
		var part *Part
		for i := range st.Parts {
			if st.Parts[i].Anchor == a.name {
				part = &st.Parts[i]
			}
		}
		if part == nil {
			continue
		}
		total += part.Weight
		fx, fy := a.features(tx.Data, ty.Data, tx.Shape[0], 8, 1)
		fvx, fvy := a.features(vx.Data, vy.Data, vx.Shape[0], 8, 1)
		alpha, mse, _, _, err := chooseAlpha(fx, fy, fvx, fvy, tx.Shape[0], vx.Shape[0], a.width(), 1, a.base == nil)
		if err != nil || alpha != part.Alpha || mse != part.ValMSE {
			t.Fatalf("%s: alpha %g, MSE %g (%v); reported %+v", a.name, alpha, mse, err, part)
		}
		r, err := fitAnchor(a, fx, tx.Shape[0], fy, 1, alpha)
		if err != nil {
			t.Fatal(err)
		}
		p := r.Predict(fvx, vx.Shape[0])
		for i := range want {
			want[i] += part.Weight * (p[i] + float64(vy.Data[i]) - fvy[i]) // + the naive forecast
		}
	}
	if math.Abs(total-1) > 1e-9 || len(st.Parts) < 2 {
		t.Fatalf("weights sum to %g over %d parts, want 1 over several", total, len(st.Parts))
	}
	p, err := m.Predict(vx, 32)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(float64(p.Data[i])-want[i]) > 1e-4 {
			t.Fatalf("window %d: model %g, combination %g", i, p.Data[i], want[i])
		}
	}
	if _, err := New(Options{Steps: 5, Channels: 2, Targets: []int{2}, Filters: 4, KernelSize: 3}); err == nil {
		t.Error("target channel 2 of 2 accepted")
	}
}

// TestLearnsTrendAndSeason is a learning test: on a trending monthly-like
// series (period 12) with noise, the trained forecaster's error on the
// last 20% is below seasonal naive's and persistence's.
func TestLearnsTrendAndSeason(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	raw := make([]float64, 240)
	for i := range raw {
		raw[i] = 0.08*float64(i) + 2*math.Sin(2*math.Pi*float64(i)/12) + 0.3*rng.NormFloat64()
	}
	// Scaled by the training part's statistics, as the CLI does: the test
	// period lies well above the training range.
	split := 192
	mean, sd := 0.0, 0.0
	for _, v := range raw[:split] {
		mean += v
	}
	mean /= float64(split)
	for _, v := range raw[:split] {
		sd += (v - mean) * (v - mean)
	}
	sd = math.Sqrt(sd / float64(split))
	s := make([]float32, len(raw))
	for i, v := range raw {
		s[i] = float32((v - mean) / sd)
	}
	const w = 24
	x, y := windows(s, w)
	nTrain := split - w // windows whose target row is before split
	nVal := 24
	tx, ty := x.Rows(0, nTrain-nVal), y.Rows(0, nTrain-nVal)
	vx, vy := x.Rows(nTrain-nVal, nTrain), y.Rows(nTrain-nVal, nTrain)
	testX, testY := x.Rows(nTrain, x.Shape[0]), y.Rows(nTrain, x.Shape[0])
	o := Options{Steps: w, Channels: 1, Targets: []int{0}, Horizon: 1, Season: 12, Filters: Filters(tx.Shape[0]), KernelSize: 3, Dropout: 0.1, Seed: 1}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := InitLinear(m, o, tx, ty, vx, vy); err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(model.CompileOptions{OptimizerName: "adam", LearningRate: 0.001, LossName: "mse"}); err != nil {
		t.Fatal(err)
	}
	es := &model.EarlyStopping{Patience: 10, RestoreBestWeights: true}
	if _, err := m.Fit(tx, ty, model.FitOptions{Epochs: 100, BatchSize: 32, ValidationData: &model.Dataset{X: []*tensor.Tensor{vx}, Y: []*tensor.Tensor{vy}}, Callbacks: []model.Callback{es}}); err != nil {
		t.Fatal(err)
	}
	p, err := m.Predict(testX, 64)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	yt := make([]float64, testY.Shape[0])
	pm := make([]float64, len(yt))
	for i := range yt {
		rows = append(rows, split+i)
		yt[i], pm[i] = float64(testY.Data[i]), float64(p.Data[i])
	}
	series := make([]float64, len(s))
	for i, v := range s {
		series[i] = float64(v)
	}
	pers, _ := baseline.Persistence(series, rows, 1)
	snaive, _ := baseline.SeasonalNaive(series, rows, 1, 12)
	got, pe, se := baseline.MAE(pm, yt), baseline.MAE(pers, yt), baseline.MAE(snaive, yt)
	t.Logf("test MAE (scaled): forecaster %.4f, persistence %.4f, seasonal naive %.4f", got, pe, se)
	if got >= se || got >= pe {
		t.Errorf("forecaster MAE %.4f is not below seasonal naive %.4f and persistence %.4f", got, se, pe)
	}
}

// TestChooseAlphaBlocks checks the rolling-origin blocks by hand on a
// series where only a large penalty generalises: targets are pure noise
// around 0, so heavy shrinkage (towards the mean) wins, and on an
// exact linear relation the smallest penalty wins.
func TestChooseAlphaBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n, nv, in := 40, 10, 3
	x := make([]float64, (n+nv)*in)
	yNoise := make([]float64, n+nv)
	yExact := make([]float64, n+nv)
	for r := 0; r < n+nv; r++ {
		for i := 0; i < in; i++ {
			x[r*in+i] = rng.NormFloat64()
		}
		yNoise[r] = rng.NormFloat64()
		yExact[r] = 2*x[r*in] - x[r*in+2]
	}
	alpha, _, _, _, err := chooseAlpha(x[:n*in], yNoise[:n], x[n*in:], yNoise[n:], n, nv, in, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if heavy := meanDiag(x[:n*in], n, in); alpha < heavy {
		t.Errorf("noise: alpha %g, want heavy shrinkage (≥ %g, the mean diagonal of XᵀX)", alpha, heavy)
	}
	alpha, mse, _, _, err := chooseAlpha(x[:n*in], yExact[:n], x[n*in:], yExact[n:], n, nv, in, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if alpha != 0 || mse > 1e-20 {
		t.Errorf("exact relation: alpha %g (MSE %g), want 0", alpha, mse)
	}
}

// TestChooseAlphaNaiveLimit: on anchored targets that are 0 (the naive
// forecast exact) on every validation block, while the early training
// windows carry a relation the later ones do not, every finite penalty
// keeps some of that relation and errs; the infinite penalty (every weight
// 0: the naive forecast itself) is exact and is chosen.
func TestChooseAlphaNaiveLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n, nv, in := 40, 10, 3
	x := make([]float64, (n+nv)*in)
	y := make([]float64, n+nv)
	for r := 0; r < n+nv; r++ {
		for i := 0; i < in; i++ {
			x[r*in+i] = rng.NormFloat64()
		}
		if r < 10 {
			y[r] = 3 * x[r*in+1]
		}
	}
	alpha, mse, _, res, err := chooseAlpha(x[:n*in], y[:n], x[n*in:], y[n:], n, nv, in, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(alpha, 1) || mse != 0 || len(res) != 3*nv {
		t.Errorf("alpha %g (MSE %g, %d residuals), want +Inf (MSE 0, 3 blocks of %d)", alpha, mse, len(res), nv)
	}
	a := &anchor{name: AnchorLast, base: [][]term{{{0, 1}}}, feats: [][]term{{{0, 1}}, {{1, 1}}}, constant: true}
	r, err := fitAnchor(a, x[:n*in], n, y[:n], 1, alpha)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range append(r.W, r.B...) {
		if w != 0 {
			t.Fatalf("the infinite penalty's fit has weights %v, %v; want all 0", r.W, r.B)
		}
	}
}
