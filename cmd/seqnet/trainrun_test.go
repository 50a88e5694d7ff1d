package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seqnet/seqnet/checkpoint"
	"github.com/seqnet/seqnet/data/npy"
	"github.com/seqnet/seqnet/model"
	"github.com/seqnet/seqnet/pipeline"
	"github.com/seqnet/seqnet/tensor"
)

// TestInterruptResume: training interrupted inside an epoch (as Ctrl-C
// does) and resumed gives the model and history of uninterrupted training,
// bit for bit, with shuffling and dropout.
func TestInterruptResume(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 70, 5)
	args := []string{"train", "--data", path, "--epochs", "3", "--batch-size", "8", "--dropout", "0.3", "--seed", "4", "--filters", "4", "--units", "8"}
	whole := filepath.Join(dir, "whole.seqnet")
	mustCLI(t, append(args, "--out", whole)...)

	part := filepath.Join(dir, "part.seqnet")
	testInterruptAfter = 10 // 7 batches per epoch: epoch 2, after batch 3
	out, errOut, code := cli(append(args, "--out", part)...)
	testInterruptAfter = 0
	if code != exitInterrupted {
		t.Fatalf("interrupted run: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "interrupted in epoch 2 after batch 3; checkpoint saved to "+part) ||
		!strings.Contains(out, "continue with: seqnet train --resume "+part) {
		t.Errorf("interrupted run output:\n%s", out)
	}
	if sum := mustCLI(t, "summary", part); !strings.Contains(sum, "interrupted in epoch 2 after batch 3") {
		t.Errorf("summary of the checkpoint:\n%s", sum)
	}
	out = mustCLI(t, "train", "--resume", part)
	if !strings.Contains(out, "resuming "+part+" in epoch 2 after batch 3, to epoch 3") || !strings.Contains(out, "(resumed at batch 4)") {
		t.Errorf("resumed run output:\n%s", out)
	}
	mw, ew, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	mp, ep, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	ww, wp := mw.Weights(), mp.Weights()
	for i := range ww {
		if !slices.Equal(ww[i].Data, wp[i].Data) {
			t.Fatalf("weight %d differs after resuming", i)
		}
	}
	if !slices.Equal(ew.History.Epochs, ep.History.Epochs) {
		t.Fatalf("history epochs %v, want %v", ep.History.Epochs, ew.History.Epochs)
	}
	for _, k := range ew.History.Keys {
		if !slices.Equal(ew.History.Metrics[k], ep.History.Metrics[k]) {
			t.Errorf("history %s: %v, want %v", k, ep.History.Metrics[k], ew.History.Metrics[k])
		}
	}
	// Training on to a later epoch is allowed; to the same one is not.
	_, errOut, code = cli("train", "--resume", part)
	if code != 2 || !strings.Contains(errOut, "already trained 3 of 3 epochs") {
		t.Errorf("resume of a finished run: exit %d, %q", code, errOut)
	}
	if out := mustCLI(t, "train", "--resume", part, "--epochs", "4", "--no-curves"); !strings.Contains(out, "Epoch 4/4") {
		t.Errorf("training on:\n%s", out)
	}
}

// TestImportExport: export to Keras JSON + .npz, import back, and the
// imported model predicts as the original; the JSON also serves as --model.
func TestImportExport(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 40, 6)
	mp := filepath.Join(dir, "m.seqnet")
	mustCLI(t, append([]string{"train", "--data", path, "--epochs", "1", "--out", mp}, small...)...)
	js, wz, pj := filepath.Join(dir, "m.json"), filepath.Join(dir, "m.npz"), filepath.Join(dir, "pre.json")
	out := mustCLI(t, "export", "--model", mp, "--keras-json", js, "--weights", wz, "--preprocessing", pj)
	if !strings.Contains(out, "8 weight arrays written to "+wz) {
		t.Errorf("export:\n%s", out)
	}
	var pre pipeline.Pipeline
	if err := json.Unmarshal([]byte(mustRead(t, pj)), &pre); err != nil || pre.Labels.Len() != 3 {
		t.Errorf("preprocessing JSON: %v %+v", err, pre)
	}
	imp := filepath.Join(dir, "imp.seqnet")
	mustCLI(t, "import", "--keras-json", js, "--weights", wz, "--out", imp)

	m1, _, err := checkpoint.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	m2, _, err := checkpoint.Load(imp)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensor.New(7, 5, 1)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	p1, err := m1.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m2.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p1.Data, p2.Data) {
		t.Errorf("imported model predicts %v, original %v", p2.Data, p1.Data)
	}
	// The imported model has no preprocessing: it predicts arrays.
	xp := filepath.Join(dir, "x.npy")
	if err := npy.WriteFile(xp, x); err != nil {
		t.Fatal(err)
	}
	recs := readCSVOut(t, mustCLI(t, "predict", "--model", imp, "--x", xp))
	if !slices.Equal(recs[0], []string{"index", "output_0", "output_1", "output_2"}) || len(recs) != 8 {
		t.Errorf("predictions %v", recs)
	}
	_, errOut, code := cli("predict", "--model", imp, "--data", path)
	if code != 2 || !strings.Contains(errOut, "no stored preprocessing") {
		t.Errorf("CSV into an imported model: exit %d, %q", code, errOut)
	}
	// Train further from the imported weights, and from the JSON alone.
	for _, spec := range []string{imp, js} {
		out := mustCLI(t, "train", "--model", spec, "--data", path, "--epochs", "1", "--out", filepath.Join(dir, "again.seqnet"), "--no-curves")
		if !strings.Contains(out, "model: "+spec) || !strings.Contains(out, "Epoch 1/1") {
			t.Errorf("train --model %s:\n%s", spec, out)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var b strings.Builder
	clock := time.Unix(0, 0)
	p := &progress{w: &b, tty: true, epochs: 2, batches: 4, now: func() time.Time { return clock }}
	p.OnEpochBegin(0)
	for i := 0; i < 4; i++ {
		clock = clock.Add(time.Second)
		p.OnBatchEnd(i, model.Logs{Keys: []string{"loss"}, Values: map[string]float64{"loss": 1 / float64(i+1)}})
	}
	p.OnEpochEnd(0, model.Logs{Keys: []string{"loss", "val_loss"}, Values: map[string]float64{"loss": 0.5, "val_loss": 0.75}})
	got := b.String()
	for _, want := range []string{
		"Epoch 1/2\n",
		"\r1/4 [======>.......................] - ETA: 3s - loss: 1.0000\x1b[K",
		"\r4/4 [==============================] - 4s 1s/step - loss: 0.5000 - val_loss: 0.7500\x1b[K\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output lacks %q:\n%q", want, got)
		}
	}
}

func TestEarlyStopping(t *testing.T) {
	dir := t.TempDir()
	path := classCSV(t, dir, 60, 8)
	mp := filepath.Join(dir, "es.seqnet")
	out := mustCLI(t, append([]string{"train", "--data", path, "--epochs", "40", "--early-stopping", "1", "--learning-rate", "0.05", "--out", mp}, small...)...)
	if !strings.Contains(out, "Early stopping at epoch") || strings.Contains(out, "Epoch 40/40") {
		t.Fatalf("training did not stop early:\n%s", out)
	}
	_, extra, err := checkpoint.Load(mp)
	if err != nil {
		t.Fatal(err)
	}
	h := extra.History
	if n := len(h.Epochs); n >= 40 || n < 2 {
		t.Errorf("%d epochs in the history", n)
	}
	// The final line names the epoch whose weights were kept (the best
	// val_loss) and that epoch's figures.
	best := 0
	for i, v := range h.Metrics["val_loss"] {
		if v < h.Metrics["val_loss"][best] {
			best = i
		}
	}
	want := fmt.Sprintf("kept epoch %d's weights, the best val_loss: loss %.4f", h.Epochs[best]+1, h.Metrics["loss"][best])
	if !strings.Contains(out, want) {
		t.Errorf("the final line does not say %q:\n%s", want, out)
	}
}

// TestHelperProcess runs seqnet in a child process for TestSIGINT.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("SEQNET_TEST_HELPER") != "1" {
		t.Skip("helper for TestSIGINT")
	}
	args := strings.Split(os.Getenv("SEQNET_TEST_ARGS"), "\x1f")
	testAwaitInterrupt = os.Getenv("SEQNET_TEST_AWAIT_INTERRUPT") == "1"
	os.Exit(run(args, os.Stdout, os.Stderr))
}

// TestSIGINT sends a real Ctrl-C (SIGINT) to a training process when it
// prints its first epoch's line: it saves a checkpoint after that epoch
// and exits 130, and resuming it gives the weights of an uninterrupted
// run. The child holds training at that epoch's end until the signal has
// come (awaitInterrupt), so that it lands there however loaded the
// machine: the whole run takes a fraction of a second, and once a signal
// sent at epoch 1 arrived after epoch 30. A signal after the last epoch
// lets the run finish (exit 0; TestInterruptAtTheEnd).
func TestSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	path := classCSV(t, dir, 600, 9)
	args := []string{"train", "--data", path, "--epochs", "30", "--batch-size", "8", "--seed", "3", "--filters", "4", "--units", "8", "--no-curves"}
	part := filepath.Join(dir, "part.seqnet")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "SEQNET_TEST_HELPER=1", "SEQNET_TEST_AWAIT_INTERRUPT=1", "SEQNET_TEST_ARGS="+strings.Join(append(args, "--out", part), "\x1f"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out strings.Builder
	signalled := false
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if !signalled && strings.HasPrefix(sc.Text(), "Epoch 1/30") {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
	}
	err = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code == 0 {
		// The child waited a minute for the signal, then went on.
		t.Skipf("training finished before the signal arrived:\n%s", out.String())
	}
	if code != exitInterrupted || !strings.Contains(out.String(), "interrupted after epoch 1; checkpoint saved to "+part) {
		t.Fatalf("exit %d (%v), stderr %q, stdout:\n%s", code, err, stderr.String(), out.String())
	}
	mustCLI(t, "train", "--resume", part)
	whole := filepath.Join(dir, "whole.seqnet")
	mustCLI(t, append(args, "--out", whole)...)
	mw, _, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	mp, _, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	ww, wp := mw.Weights(), mp.Weights()
	for i := range ww {
		if !slices.Equal(ww[i].Data, wp[i].Data) {
			t.Fatalf("weight %d differs after a real Ctrl-C and --resume", i)
		}
	}
}
