package shapewalk

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLayerSpec(t *testing.T) {
	class, cfg, err := ParseLayerSpec("permute:dims=2,1,name=p")
	if err != nil || class != "permute" || cfg["dims"] != "2,1" || cfg["name"] != "p" {
		t.Errorf("got %q %v %v", class, cfg, err)
	}
	class, cfg, err = ParseLayerSpec("flatten")
	if err != nil || class != "flatten" || len(cfg) != 0 {
		t.Errorf("got %q %v %v", class, cfg, err)
	}
}

// The tutorial readers' case: (16070, 1, 45) is 1 step of 45 channels, so
// a kernel of 10 cannot fit; the error is a *LayerError naming layer 1 and
// the table stops after the input row.
func TestWalkKernelDoesNotFit(t *testing.T) {
	tab, err := Walk("16070,1,45", strings.Fields("conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1"))
	var le *LayerError
	if !errors.As(err, &le) || le.Layer != 1 {
		t.Fatalf("got %v, want a LayerError for layer 1", err)
	}
	if !strings.Contains(le.Msg, "fix: if each sample is a 45-step series of one feature, the shape is (16070, 45, 1)") {
		t.Errorf("no fix in %q", le.Msg)
	}
	if tab.Complete || len(tab.Rows) != 1 {
		t.Errorf("partial table: %+v", tab)
	}
	tab, err = Walk("16070,45,1", strings.Fields("conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1"))
	if err != nil || !tab.Complete || tab.Rows[1].Shape != "(16070, 8, 128)" || tab.Total != 1408+1025 {
		t.Errorf("got %+v, %v", tab, err)
	}
}

// Huge layers are counted, not built (layers.Count), and a dimension
// beyond layers.MaxDim is refused.
func TestWalkHuge(t *testing.T) {
	tab, err := Walk("None,100,8", []string{"flatten", "dense:units=2000000"})
	if err != nil || tab.Total != 800*2000000+2000000 {
		t.Errorf("got %+v, %v", tab, err)
	}
	if _, err := Walk("1,9223372036854775807,1", []string{"flatten"}); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("huge dimension: %v", err)
	}
}

// With dilation the largest kernel that fits is (steps-1)/d + 1, not
// steps: 8 steps at dilation 2 take a kernel_size of at most 4 (reach 7).
func TestDiagnoseDilation(t *testing.T) {
	_, err := Walk("1,8,1", []string{"conv1d:filters=1,kernel_size=5,dilation_rate=2"})
	if err == nil || !strings.Contains(err.Error(), "fix: use a kernel of at most 4, padding=same, or longer sequences") {
		t.Errorf("got %v", err)
	}
	_, err = Walk("1,3,20", []string{"conv1d:filters=1,kernel_size=4,dilation_rate=2"})
	if err == nil || !strings.Contains(err.Error(), "fix: otherwise use padding=same or a kernel of 2") {
		t.Errorf("got %v", err)
	}
}
