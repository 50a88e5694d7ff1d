package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCompareAndJSON runs the smallest workload with --json, then with a
// reference file (--compare) and a peak file (--peak), and checks what each
// prints; a missing reference file is exit 2 naming the flag.
func TestBenchCompareAndJSON(t *testing.T) {
	dir := t.TempDir()
	refs := filepath.Join(dir, "torch.jsonl")
	ref := `{"system":"pytorch","threads":1,"workload":"W1","name":"blog-toy-a","metric":"us_per_train_step","median":100}`
	if err := os.WriteFile(refs, []byte("not json, skipped\n"+ref+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	peak := filepath.Join(dir, "peak.jsonl")
	if err := os.WriteFile(peak, []byte(`{"bench":"fma_avx512","threads":1,"gflops_median":100}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"bench", "--workloads", "W1", "--reps", "3", "--min-time", "0.01", "--threads", "1"}

	var out, errOut bytes.Buffer
	if code := run(append(base, "--json"), &out, &errOut); code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 { // the machine, then blog-toy a, b and c
		t.Fatalf("--json printed %d lines, want 4:\n%s", len(lines), out.String())
	}
	var m struct {
		Name, Metric, Workload string
		Median                 float64
	}
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil || m.Name != "blog-toy-a" || m.Workload != "W1" || m.Median <= 0 {
		t.Fatalf("--json line %q: %+v, %v", lines[1], m, err)
	}

	out.Reset()
	errOut.Reset()
	if code := run(append(base, "--compare", refs, "--peak", peak), &out, &errOut); code != 0 {
		t.Fatalf("--compare: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "| W1 blog-toy-a | us_per_train_step | 1 |") || !strings.Contains(out.String(), "(pytorch) |") {
		t.Fatalf("--compare printed no ratio row for blog-toy-a:\n%s", out.String())
	}

	out.Reset()
	errOut.Reset()
	if code := run(append(base, "--compare", filepath.Join(dir, "missing.jsonl")), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "--compare") {
		t.Fatalf("missing --compare file: exit %d, stderr %q; want 2 naming --compare", code, errOut.String())
	}
}
