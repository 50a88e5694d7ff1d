package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/seqnet/seqnet/internal/loadgen"
)

// TestBenchServe runs `seqnet bench --serve` briefly: every case is
// printed, with no errors and its CPU time a sample, the loopback floor's
// cases too, and the ratios of the targets and the bound the floor
// sets on the 32-client one follow;
// bad flags are user errors (exit 2) that name the flag.
func TestBenchServe(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"bench", "--serve", "--clients", "1,2,32", "--min-time", "0.2"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	cpu := `[0-9.]+`
	if _, ok := loadgen.CPUTime(); !ok {
		cpu = "-"
	}
	for _, c := range []string{"predict batch=1", "predict batch=1 varied", "predict batch=256", "serve clients=1", "serve clients=2", "serve clients=32",
		"loopback floor clients=1", "loopback floor clients=2", "loopback floor clients=32"} {
		re := regexp.MustCompile(`(?m)^` + c + ` +[0-9]+ +[0-9.]+ +[0-9.]+ +0 +` + cpu + `$`)
		if !re.MatchString(out.String()) {
			t.Errorf("no line %q with 0 errors in:\n%s", c, out.String())
		}
	}
	for _, s := range []string{"serve clients=1 p99 / predict batch=1 p99: ", "serve clients=1 p99 / predict batch=1 varied p99: ", "serve clients=32 samples/s / predict batch=256 samples/s: "} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("no %q in:\n%s", s, out.String())
		}
	}
	if _, ok := loadgen.CPUTime(); ok {
		re := regexp.MustCompile(`(?m)^at most [0-9]+% of predict batch=256 at 32 clients on these [0-9]+ cores: [0-9]+ samples/s, if a sample cost only its share of the loopback floor \([0-9.]+ CPU µs, clients included\) and a batch-256 sample \([0-9.]+\)$`)
		if !re.MatchString(out.String()) {
			t.Errorf("no bound for 32 clients in:\n%s", out.String())
		}
	}
	// Requests of several texts: every answer holds them all (0 errors),
	// samples count texts, and the 1-client target's ratios, which are
	// for one text a request, are left out.
	out.Reset()
	if code := run([]string{"bench", "--serve", "--clients", "1,32", "--min-time", "0.2", "--instances", "3"}, &out, &errOut); code != 0 {
		t.Fatalf("--instances 3: exit %d: %s", code, errOut.String())
	}
	for _, c := range []string{"serve clients=1", "serve clients=32", "loopback floor clients=32"} {
		re := regexp.MustCompile(`(?m)^` + c + ` +[0-9]+ +[0-9.]+ +[0-9.]+ +0 +` + cpu + `$`)
		if !re.MatchString(out.String()) {
			t.Errorf("--instances 3: no line %q with 0 errors in:\n%s", c, out.String())
		}
	}
	if !strings.Contains(out.String(), "3 text(s) a request") || !strings.Contains(out.String(), "(3 texts a request; the target is for one)") ||
		strings.Contains(out.String(), "serve clients=1 p99") {
		t.Errorf("--instances 3: header or ratios wrong in:\n%s", out.String())
	}
	for _, args := range [][]string{{"--clients", "0"}, {"--clients", "1,x"}, {"--min-time", "0"}, {"--instances", "0"}, {"--instances", "257"}} {
		errOut.Reset()
		if code := run(append([]string{"bench", "--serve"}, args...), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), args[0]) {
			t.Errorf("%v: exit %d, %q; want 2 and a message naming %s", args, code, errOut.String(), args[0])
		}
	}
}
