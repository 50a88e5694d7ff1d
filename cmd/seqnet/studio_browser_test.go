package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// findChromium returns the browser the studio tests drive: $SEQNET_CHROMIUM,
// or Debian's chromium on PATH.
func findChromium() string {
	if p := os.Getenv("SEQNET_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// The studio test's time bounds catch a hang, and only that: a loaded
// 2-core CI machine (load average 10 seen) can take many times the ~40 s
// the whole test takes alone, so every bound is generous, and no step is
// timed. browserStart bounds seqnet studio printing its URL and Chromium
// printing its DevTools address (chromedp's default, 20 s, timed out once
// under load); stepBound each wait for the page; sessionBound the whole
// browser session (go test's own limit is 10 minutes per package).
const (
	browserStart = 3 * time.Minute
	stepBound    = 3 * time.Minute
	sessionBound = 7 * time.Minute
)

// lockedBuffer collects Chromium's output, written from chromedp's
// goroutine, to show when the browser does not start.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stepFailure says which step of the browser session failed and, for a
// timeout, which bound it hit.
func stepFailure(what string, err error, started time.Time) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s: not done when the browser session reached its bound of %v (%v after it began): %v",
			what, sessionBound, time.Since(started).Round(time.Second), err)
	case errors.Is(err, chromedp.ErrPollingTimeout):
		return fmt.Sprintf("%s: the page did not get there within %v: %v", what, stepBound, err)
	}
	return fmt.Sprintf("%s: %v", what, err)
}

// startStudio runs `seqnet studio --addr 127.0.0.1:0` in this process and
// returns the URL it prints.
func startStudio(t *testing.T) string {
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	go func() {
		code := run([]string{"studio", "--addr", "127.0.0.1:0"}, pw, &stderr)
		pw.CloseWithError(fmt.Errorf("seqnet studio exited %d: %s", code, stderr.String()))
	}()
	type read struct {
		line string
		err  error
	}
	got := make(chan read, 1)
	go func() {
		line, err := bufio.NewReader(pr).ReadString('\n')
		got <- read{line, err}
	}()
	var line string
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatalf("seqnet studio: %v", r.err)
		}
		line = r.line
	case <-time.After(browserStart):
		t.Fatalf("seqnet studio printed no URL within %v: it hangs before serving", browserStart)
	}
	go io.Copy(io.Discard, pr)
	_, rest, ok := strings.Cut(line, "http://")
	if !ok {
		t.Fatalf("seqnet studio printed %q, expected the URL", line)
	}
	return "http://" + strings.Fields(rest)[0]
}

// TestStudioBrowser loads `seqnet studio` in headless Chromium and checks
// what the page shows against the command line's answers.
//
// Why ~300 lines: it is one browser session walked tab by tab (convolution,
// presets, training, shapes, the exported page), each step reading the page
// the previous one left, with its console kept to show when a step fails;
// starting Chromium per step would multiply the test's time.
func TestStudioBrowser(t *testing.T) {
	exe := findChromium()
	if exe == "" {
		if os.Getenv("SEQNET_STUDIO_BROWSER") == "required" {
			t.Fatal("SEQNET_STUDIO_BROWSER=required but no chromium found on PATH (or $SEQNET_CHROMIUM)")
		}
		t.Skip("no browser: install Debian's chromium (apt-get install chromium; .ci/run does) to run the studio's browser tests")
	}
	url := startStudio(t)
	// A fresh profile, removed after the browser has gone (t.TempDir's
	// cleanup can race with Chromium's last writes).
	profile, err := os.MkdirTemp("", "seqnet-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Chromium's helpers may still be writing as they exit.
		for i := 0; i < 50 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var chromeOut lockedBuffer
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900),
		chromedp.WSURLReadTimeout(browserStart), chromedp.CombinedOutput(&chromeOut),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA() // stops the browser and waits for it
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	started := time.Now()
	ctx, cancelT := context.WithTimeout(ctx, sessionBound)
	defer cancelT()
	// Start the browser on its own, so that a slow start is named as such.
	if err := chromedp.Run(ctx); err != nil {
		what := "start headless Chromium (" + exe + ")"
		if strings.Contains(err.Error(), "websocket url timeout") {
			what += fmt.Sprintf(": it printed no DevTools address within %v", browserStart)
		}
		t.Fatalf("%s\nChromium's output:\n%s", stepFailure(what, err, started), chromeOut.String())
	}
	// The page's console, shown when a step fails.
	var console []string
	var consoleMu sync.Mutex
	chromedp.ListenTarget(ctx, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value))
			}
			line = string(ev.Type) + ": " + strings.Join(parts, " ")
		case *runtime.EventExceptionThrown:
			line = "exception: " + ev.ExceptionDetails.Error()
		default:
			return
		}
		consoleMu.Lock()
		console = append(console, line)
		consoleMu.Unlock()
	})
	shots := os.Getenv("SEQNET_STUDIO_SHOTS") // keep the screenshots there (the README's)
	if shots == "" {
		shots = t.TempDir()
	}

	do := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			consoleMu.Lock()
			defer consoleMu.Unlock()
			t.Fatalf("%s\nthe page's console:\n%s", stepFailure(what, err, started), strings.Join(console, "\n"))
		}
	}
	// set types a value into a field and lets the page see the change.
	set := func(sel, value, event string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event(%q, {bubbles: true})); return true })()`, sel, value, event)
			var ok bool
			return chromedp.Evaluate(js, &ok).Do(ctx)
		})
	}
	texts := func(sel string) []string {
		t.Helper()
		var out []string
		do("read "+sel, chromedp.Evaluate(fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent)`, sel), &out))
		return out
	}
	// waitJS polls a JavaScript condition.
	waitJS := func(what, cond string) {
		t.Helper()
		do(what, chromedp.Poll(cond, nil, chromedp.WithPollingTimeout(stepBound), chromedp.WithPollingInterval(50*time.Millisecond)))
	}
	shot := func(name string) {
		t.Helper()
		var buf []byte
		do("screenshot "+name, chromedp.Sleep(time.Second), chromedp.FullScreenshot(&buf, 100)) // after the animations; 100 = PNG
		img, err := png.Decode(bytes.NewReader(buf))
		if err != nil {
			t.Fatalf("screenshot %s is not a PNG: %v", name, err)
		}
		colours := map[[4]uint32]bool{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				r, g, bl, a := img.At(x, y).RGBA()
				colours[[4]uint32{r, g, bl, a}] = true
			}
		}
		if len(colours) < 40 {
			t.Errorf("screenshot %s has %d distinct colours: the page looks blank", name, len(colours))
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s: %d×%d, %d distinct colours", name, b.Dx(), b.Dy(), len(colours))
	}

	do("load the page", chromedp.Navigate(url+"#conv"),
		emulation.SetDeviceMetricsOverride(1280, 900, 1, false),
		chromedp.Poll(`(document.body && document.body.dataset.engine || 'loading') !== 'loading'`, nil, chromedp.WithPollingTimeout(stepBound)))
	var engine, status string
	do("engine status", chromedp.Evaluate(`document.body.dataset.engine`, &engine), chromedp.Text("#engine-status", &status, chromedp.ByQuery))
	if engine != "ready" {
		t.Fatalf("the engine did not start: %s", status)
	}

	// Convolution: the tutorial's input and kernel, stepped three times.
	do("tutorial input", set("#conv-input", "0,3,4,5", "input"), set("#conv-kernel", "1,2", "input"), set("#conv-padding", "valid", "change"))
	waitJS("three empty output cells", `!document.body.dataset.pending && document.querySelector('#conv-output').textContent === '???'`)
	for range 3 {
		do("step", chromedp.Click("#conv-step", chromedp.ByQuery))
	}
	if got := strings.Join(texts("#conv-output span"), " "); got != "6 11 14" {
		t.Errorf("after three steps the output reads %q, want 6 11 14", got)
	}
	if got := strings.Join(texts("#conv-svg .cell.out text"), " "); got != "6 11 14" {
		t.Errorf("the drawn output cells read %q, want 6 11 14", got)
	}
	if d := texts("#conv-detail")[0]; !strings.Contains(d, "products [4 10] → sum 14") {
		t.Errorf("step 3's caption: %q", d)
	}
	if f := texts("#conv-formula")[0]; f != "O = floor((4 + 0 + 0 - (2-1)·1 - 1) / 1) + 1 = floor(2 / 1) + 1 = 3" {
		t.Errorf("formula %q", f)
	}
	shot("conv")

	// Play builds the output cell by cell; the keyboard steps too.
	do("reset and play", chromedp.Click("#conv-reset", chromedp.ByQuery), set("#conv-speed", "5", "input"), chromedp.Click("#conv-play", chromedp.ByQuery))
	waitJS("play to the end", `document.querySelector('#conv-output').textContent === '61114'`)
	do("keyboard: Home, then → once", chromedp.Evaluate(`document.activeElement.blur()`, nil), chromedp.KeyEvent(kb.Home), chromedp.KeyEvent(kb.ArrowRight))
	if got := strings.Join(texts("#conv-output span"), " "); got != "6 ? ?" {
		t.Errorf("after Home and → the output reads %q, want 6 ? ?", got)
	}

	// same and causal: the drawing against `seqnet explain --json`.
	for _, padding := range []string{"same", "causal"} {
		var out, errb bytes.Buffer
		if code := run([]string{"explain", "--input", "0,3,4,5", "--kernel", "1,2", "--padding", padding, "--json"}, &out, &errb); code != 0 {
			t.Fatalf("seqnet explain: %s", errb.String())
		}
		var want struct {
			Output   [][]float64 `json:"output"`
			PadLeft  int         `json:"pad_left"`
			PadRight int         `json:"pad_right"`
			Padded   [][]float64 `json:"padded_input"`
		}
		if err := json.Unmarshal(out.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		do(padding, set("#conv-padding", padding, "change"))
		n := len(want.Output)
		waitJS(padding+" output cells", fmt.Sprintf(`document.querySelectorAll('#conv-svg .cell.out').length === %d`, n))
		for range n {
			do("step", chromedp.Click("#conv-step", chromedp.ByQuery))
		}
		var wantCells, wantPadded []string
		for _, row := range want.Output {
			wantCells = append(wantCells, fmt.Sprint(row[0]))
		}
		for _, row := range want.Padded {
			wantPadded = append(wantPadded, fmt.Sprint(row[0]))
		}
		if got := texts("#conv-svg .cell.out text"); strings.Join(got, " ") != strings.Join(wantCells, " ") {
			t.Errorf("%s: drawn output %q, seqnet explain --json %q", padding, got, wantCells)
		}
		if got := texts("#conv-svg .cell.pad text"); len(got) != want.PadLeft+want.PadRight {
			t.Errorf("%s: %d padding cells drawn, seqnet explain --json pads %d + %d", padding, len(got), want.PadLeft, want.PadRight)
		}
		// The padded input row: every cell that is not a kernel, product or output cell, in order.
		if got := texts("#conv-svg .cell:not(.kernel):not(.product):not(.out) text"); strings.Join(got, " ") != strings.Join(wantPadded, " ") {
			t.Errorf("%s: drawn padded input %q, seqnet explain --json %q", padding, got, wantPadded)
		}
		shot("conv-" + padding)
	}

	// The presets (2 channels; 2 filters with bias; dilated causal) against seqnet explain --json.
	for _, p := range []struct{ name, input, kernel, bias, padding, dilation string }{
		{"channels", "[[0,0],[3,6],[4,7],[5,8]]", "[[[1],[3]],[[2],[4]]]", "", "valid", "1"},
		{"filters", "0,3,4,5", "[[[1,3]],[[2,4]]]", "0.5,-1", "same", "1"},
		{"dilated", "1,2,3,4,5,6,7,8", "1,0,-1", "", "causal", "2"},
	} {
		args := []string{"explain", "--input", p.input, "--kernel", p.kernel, "--padding", p.padding, "--dilation", p.dilation, "--json"}
		if p.bias != "" {
			args = append(args, "--bias", p.bias)
		}
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("seqnet explain %q: %s", args, errb.String())
		}
		var want struct {
			Output [][]float64 `json:"output"`
		}
		if err := json.Unmarshal(out.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		var cells []string
		for _, row := range want.Output {
			if len(row) == 1 {
				cells = append(cells, fmt.Sprint(row[0]))
				continue
			}
			parts := make([]string, len(row))
			for i, v := range row {
				parts[i] = fmt.Sprint(v)
			}
			cells = append(cells, "["+strings.Join(parts, " ")+"]")
		}
		do("preset "+p.name, chromedp.Click(fmt.Sprintf(`[data-preset=%q]`, p.name), chromedp.ByQuery))
		waitJS(p.name+" ready", fmt.Sprintf(`document.querySelectorAll('#conv-output span').length === %d && document.querySelector('#conv-output').textContent === %q`,
			len(cells), strings.Repeat("?", len(cells))))
		for range cells {
			do("step", chromedp.Click("#conv-step", chromedp.ByQuery))
		}
		if got := texts("#conv-output span"); strings.Join(got, " ") != strings.Join(cells, " ") {
			t.Errorf("preset %s: the page reads %q, seqnet explain --json %q", p.name, got, cells)
		}
		shot("conv-" + p.name)
	}

	// An impossible setting: the same diagnosis as seqnet shape.
	do("kernel too long", set("#conv-padding", "valid", "change"), set("#conv-input", "0,3,4,5", "input"), set("#conv-dilation", "1", "input"),
		set("#conv-bias", "", "input"), set("#conv-kernel", "1,2,3,4,5", "input"))
	waitJS("error shown", `!document.body.dataset.pending && !document.querySelector('#conv-error').hidden`)
	if e := texts("#conv-error")[0]; !strings.Contains(e, "fix: use a kernel of at most 4, padding=same, or longer sequences") {
		t.Errorf("impossible setting: %q", e)
	}

	// Training: experiment 1 for 200 epochs learns [1, 2].
	do("training tab", chromedp.Click("#tab-train", chromedp.ByQuery), chromedp.Click(`input[name=train-exp][value="0"]`, chromedp.ByQuery),
		set("#train-seed", "1", "change"), set("#train-epochs", "200", "change"), set("#train-speed", "20", "input"))
	waitJS("experiment 1 ready", `document.querySelector('#train-status').dataset.epoch === '0'`)
	shot("train-start")
	do("run", chromedp.Click("#train-run", chromedp.ByQuery))
	waitJS("200 epochs", `document.querySelector('#train-status').dataset.epoch === '200'`)
	var kernelJSON string
	do("read the kernel", chromedp.Evaluate(`document.querySelector('#train-status').dataset.kernel`, &kernelJSON))
	var k []float64
	if err := json.Unmarshal([]byte(kernelJSON), &k); err != nil || len(k) != 2 {
		t.Fatalf("kernel %q: %v", kernelJSON, err)
	}
	if math.Abs(k[0]-1) > 0.1 || math.Abs(k[1]-2) > 0.1 {
		t.Errorf("after 200 epochs the kernel is %v, want within 0.1 of [1 2]", k)
	}
	if n := len(texts("#train-space-0 rect")); n < 41*41 {
		t.Errorf("the loss surface has %d cells, want a 41×41 grid", n)
	}
	do("settle", chromedp.Sleep(200*time.Millisecond))
	shot("train")
	do("experiment 3 stepped by hand", chromedp.Click(`input[name=train-exp][value="2"]`, chromedp.ByQuery), chromedp.Click("#train-step", chromedp.ByQuery))
	waitJS("one epoch", `document.querySelector('#train-status').dataset.epoch === '1' && document.querySelectorAll('#train-spaces svg').length === 2`)
	do("keyboard: Home restarts, → trains one epoch, twice", chromedp.Evaluate(`document.activeElement.blur()`, nil),
		chromedp.KeyEvent(kb.Home), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight))
	waitJS("two epochs by keyboard", `document.querySelector('#train-status').dataset.epoch === '2'`)
	// The tabs take the arrow keys.
	do("tabs by keyboard", chromedp.Focus("#tab-train", chromedp.ByQuery), chromedp.KeyEvent(kb.ArrowLeft))
	waitJS("convolution tab", `document.querySelector('#tab-conv').getAttribute('aria-selected') === 'true' && document.activeElement.id === 'tab-conv' && !document.querySelector('#panel-conv').hidden`)

	// Shapes: the readers' (16070, 1, 45) case and its fix, as seqnet shape says it.
	stack := "conv1d:filters=128,kernel_size=10,strides=5 flatten dense:units=1"
	do("shapes tab", chromedp.Click("#tab-shapes", chromedp.ByQuery), set("#shape-input", "16070,1,45", "input"), set("#shape-stack", stack, "input"))
	waitJS("diagnosis", `!document.body.dataset.pending && !document.querySelector('#shape-error').hidden`)
	var o, e bytes.Buffer
	run(append([]string{"shape", "--input", "16070,1,45"}, strings.Fields(stack)...), &o, &e)
	want := strings.TrimSuffix(strings.TrimPrefix(e.String(), "seqnet shape: "), "\n")
	if got := texts("#shape-error")[0]; got != want {
		t.Errorf("the page says\n%s\nseqnet shape says\n%s", got, want)
	}
	if !strings.Contains(want, "fix: if each sample is a 45-step series of one feature, the shape is (16070, 45, 1)") {
		t.Errorf("seqnet shape's message lost its fix: %q", want)
	}
	shot("shapes")
	do("the fix", chromedp.Click("#shape-fixed", chromedp.ByQuery))
	waitJS("fixed", `document.querySelector('#shape-error').hidden`)
	if got := texts("#shape-table tbody tr td:nth-child(2)"); strings.Join(got, " ") != "(16070, 45, 1) (16070, 8, 128) (16070, 1024) (16070, 1)" {
		t.Errorf("fixed stack shapes %q", got)
	}
	shot("shapes-fixed")

	// The exported page works from a plain static file server.
	site := filepath.Join(t.TempDir(), "site")
	var eo, ee bytes.Buffer
	if code := run([]string{"studio", "--export", site}, &eo, &ee); code != 0 {
		t.Fatalf("seqnet studio --export: %s", ee.String())
	}
	static := httptest.NewServer(http.FileServer(http.Dir(site)))
	defer static.Close()
	do("load the export", chromedp.Navigate(static.URL+"/#conv"),
		chromedp.Poll(`(document.body && document.body.dataset.engine || 'loading') !== 'loading'`, nil, chromedp.WithPollingTimeout(stepBound)))
	waitJS("export: engine", `document.body.dataset.engine === 'ready' && document.querySelector('#conv-output').textContent === '???'`)
	do("export: step", chromedp.Click("#conv-step", chromedp.ByQuery))
	if got := strings.Join(texts("#conv-output span"), " "); got != "6 ? ?" {
		t.Errorf("the exported page after one step reads %q, want 6 ? ?", got)
	}
}
