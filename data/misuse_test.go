package data

import (
	"strings"
	"testing"
)

// TestLibraryMisuseIsAnError checks that a nil or inconsistent argument
// comes back as an error naming the fix, never as a panic.
func TestLibraryMisuseIsAnError(t *testing.T) {
	var nilScaler *Scaler
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"MakeWindows(nil)", func() error { _, err := MakeWindows(nil, WindowOptions{Window: 3}); return err }, "the series is nil"},
		{"inconsistent series", func() error {
			_, err := MakeWindows(&Series{Names: []string{"a"}, Rows: 5, Data: make([]float32, 3)}, WindowOptions{Window: 3})
			return err
		}, "5 rows of 1 columns need 5 values, it holds 3"},
		{"FitScaler(nil)", func() error { _, err := FitScaler(ScaleStandard, nil); return err }, "the series is nil"},
		{"nil scaler Transform", func() error {
			s, _ := NewSeries([]string{"a"}, []float32{1, 2})
			_, err := nilScaler.Transform(s)
			return err
		}, "the scaler is nil"},
		{"nil scaler InverseValues", func() error { return nilScaler.InverseValues([]string{"a"}, []float32{1}) }, "the scaler is nil"},
		{"negative sequence length", func() error {
			v := NewTextVectorizer(0, -1)
			if err := v.SetVocabulary([]string{"a", "b"}); err != nil {
				return err
			}
			_, err := v.EncodeBatch([]string{"a b"})
			return err
		}, "output_sequence_length -1 is invalid"},
		{"negative sequence length at Adapt", func() error { return NewTextVectorizer(0, -1).Adapt([]string{"a b"}) }, "output_sequence_length -1 is invalid"},
	}
	for _, c := range cases {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panicked: %v", c.name, r)
				}
			}()
			err = c.run()
		}()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if d := nilScaler.Describe(); d != "no scaler" {
		t.Errorf("nil scaler Describe = %q", d)
	}
}
