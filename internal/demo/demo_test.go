package demo

import (
	"io"
	"testing"
)

// TestSpamBeatsNaiveBayes: the text CNN must beat multinomial Naive Bayes
// on the seeded 80/20 split of the embedded SpamAssassin subjects.
func TestSpamBeatsNaiveBayes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	r, err := Spam(io.Discard, 1, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("text CNN %.4f, Naive Bayes %.4f, %v", r.Model, r.Baseline, r.Elapsed)
	if r.Baseline < 0.8 || r.Baseline > 0.95 {
		t.Errorf("Naive Bayes accuracy %.4f is outside the expected 0.80–0.95: the baseline is broken", r.Baseline)
	}
	if !(r.Model > r.Baseline) {
		t.Errorf("text CNN accuracy %.4f does not beat Naive Bayes %.4f", r.Model, r.Baseline)
	}
}

// TestWeatherBeatsPersistence: the forecaster's test MAE must be below the
// persistence baseline's (about 2.36 °C).
func TestWeatherBeatsPersistence(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	r, err := Weather(io.Discard, 1, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("forecaster MAE %.3f °C, persistence %.3f °C, %v", r.Model, r.Baseline, r.Elapsed)
	if r.Baseline < 2.2 || r.Baseline > 2.5 {
		t.Errorf("persistence MAE %.3f is not the expected ≈2.36 °C: the windows are misaligned", r.Baseline)
	}
	if !(r.Model < r.Baseline) {
		t.Errorf("forecaster MAE %.3f does not beat persistence %.3f", r.Model, r.Baseline)
	}
}
